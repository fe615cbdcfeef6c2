// The Base message registry entries the Redfish simulator answers with (DMTF DSP8011 message ids; the texts
// are the registry's patterns filled in), each with the HTTP status DSP0266 pairs it with.
type Json = Record<string, unknown>;

const REGISTRY = 'Base.1.16';
const CHOOSE =
  'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.';

const BASE = {
  NoValidSession: {
    status: 401,
    text: () => 'There is no valid session established with the implementation.',
    resolution: 'Establish a session before attempting any operations.',
  },
  InsufficientPrivilege: {
    status: 401,
    text: () =>
      'There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.',
    resolution:
      'Either abandon the operation or change the associated access rights and resubmit the request if the operation failed.',
  },
  SessionLimitExceeded: {
    status: 503,
    text: () =>
      'The session establishment failed due to the number of simultaneous sessions exceeding the limit of the implementation.',
    resolution:
      'Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions (if supported).',
  },
  ResourceMissingAtURI: {
    status: 404,
    text: (uri: string) => `The resource at the URI ${uri} was not found.`,
    resolution: 'Place a valid resource at the URI or correct the URI and resubmit the request.',
  },
  PreconditionRequired: {
    status: 428,
    text: () => 'A precondition header or annotation is required to change the resource.',
    resolution: "Try the request again with an If-Match header and the resource's current ETag.",
  },
  PreconditionFailed: {
    status: 412,
    text: () => 'The ETag supplied did not match the ETag required to change this resource.',
    resolution: 'Try the operation again using the appropriate ETag.',
  },
  PropertyUnknown: {
    status: 400,
    text: (property: string) =>
      `The property ${property} is not in the list of valid properties for the resource.`,
    resolution:
      'Remove the unknown property from the request body and resubmit the request if the operation failed.',
  },
  PropertyValueNotInList: {
    status: 400,
    text: (value: string, property: string) =>
      `The value ${value} for the property ${property} is not in the list of acceptable values.`,
    resolution: CHOOSE,
  },
  PropertyNotWritable: {
    status: 400,
    text: (property: string) =>
      `The property ${property} is a read only property and cannot be assigned a value.`,
    resolution: 'Remove the property from the request body and resubmit the request if the operation failed.',
  },
  ActionParameterMissing: {
    status: 400,
    text: (action: string, parameter: string) =>
      `The action ${action} requires the parameter ${parameter} to be present in the request body.`,
    resolution:
      'Supply the action with the required parameter in the request body when the request is resubmitted.',
  },
  ActionParameterValueNotInList: {
    status: 400,
    text: (value: string, parameter: string, action: string) =>
      `The value ${value} for the parameter ${parameter} in the action ${action} is not in the list of acceptable values.`,
    resolution: CHOOSE,
  },
  MalformedJSON: {
    status: 400,
    text: () =>
      'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
    resolution: 'Ensure that the request body is valid JSON and resubmit the request.',
  },
  InternalError: {
    status: 500,
    text: () => 'The request failed due to an internal service error.  The service is still operational.',
    resolution: 'Resubmit the request.  If the problem persists, consider resetting the service.',
  },
} satisfies Record<string, { status: number; text: (...args: string[]) => string; resolution: string }>;

export type BaseMessageId = keyof typeof BASE;

/** One ExtendedInfo message. */
export function baseMessage<K extends BaseMessageId>(
  id: K,
  ...args: Parameters<(typeof BASE)[K]['text']>
): Json {
  const m = BASE[id];
  return {
    '@odata.type': '#Message.v1_1_1.Message',
    MessageId: `${REGISTRY}.${id}`,
    Message: (m.text as (...a: string[]) => string)(...args),
    MessageArgs: args,
    Resolution: m.resolution,
    Severity: m.status >= 500 ? 'Critical' : 'Warning',
  };
}

/** An error answer: its status and the DSP0266 error body carrying the message as ExtendedInfo. */
export function baseError<K extends BaseMessageId>(
  id: K,
  ...args: Parameters<(typeof BASE)[K]['text']>
): { status: number; body: Json } {
  const info = baseMessage(id, ...args);
  return {
    status: BASE[id].status,
    body: { error: { code: `${REGISTRY}.${id}`, message: info.Message, '@Message.ExtendedInfo': [info] } },
  };
}
