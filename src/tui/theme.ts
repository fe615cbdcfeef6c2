// Colours and glyphs for one console, decided once (ASCII / NO_COLOR) and passed down by context.
import { createContext, useContext } from 'react';
import { ASCII_GLYPHS, UNICODE_GLYPHS, type Glyphs } from './format.js';
import type { Tone } from './node-table.js';

export interface Theme {
  ascii: boolean;
  glyphs: Glyphs;
  /** an Ink colour name, or undefined when colour is off (NO_COLOR) */
  tone: (t: Tone) => string | undefined;
  alert: string | undefined;
}

const TONE_COLOR: Record<Tone, string | undefined> = {
  busy: 'yellow',
  ok: 'green',
  done: 'cyan',
  warn: 'red',
  idle: undefined,
};

export function makeTheme(ascii: boolean, color: boolean): Theme {
  return {
    ascii,
    glyphs: ascii ? ASCII_GLYPHS : UNICODE_GLYPHS,
    tone: (t) => (color ? TONE_COLOR[t] : undefined),
    alert: color ? 'red' : undefined,
  };
}

export const ThemeContext = createContext<Theme>(makeTheme(false, true));

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
