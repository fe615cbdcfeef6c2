// @ts-check
// The floors of ARCHITECTURE §3: a module imports only from its own floor or below. Each floor's
// files get the folders above them as restricted imports, so an upward arrow fails the lint.
// `collect/` runs on peers (bundled into post.tgz) and so may import only the ground floor.

/** Floors from the top; each lists its folders under src/. */
const FLOORS = [
  { name: 'entry', dirs: ['cli'] },
  { name: 'apps', dirs: ['lab', 'tui', 'collect', 'image'] },
  { name: 'daemon', dirs: ['master'] },
  { name: 'services', dirs: ['net', 'report'] },
  { name: 'model', dirs: ['model'] },
  { name: 'ground', dirs: ['shared'] },
];

/** Import specifiers that reach into a folder, relative from anywhere under src/. */
const into = (/** @type {string} */ dir) => [`**/${dir}/**`, `../${dir}`, `./${dir}`];

/** @type {import('eslint').Linter.Config[]} */
export const floorRules = FLOORS.slice(1).map((floor, i) => {
  const above = FLOORS.slice(0, i + 1).flatMap((f) => f.dirs);
  return {
    files: floor.dirs.map((d) => `src/${d}/**/*.{ts,tsx}`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...above.flatMap(into), '**/cli.js'],
              message: `${floor.name} is below ${above.join(', ')}: import only from its own floor or below (ARCHITECTURE §3)`,
            },
          ],
        },
      ],
    },
  };
});

/** The collector is bundled for peers: nothing of the master's, only the ground floor. */
floorRules.push({
  files: ['src/collect/**/*.{ts,tsx}'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: [
              '**/cli.js',
              ...['cli', 'lab', 'tui', 'image', 'report', 'master', 'net', 'model'].flatMap(into),
            ],
            message: 'collect/ runs on peers: it imports only src/shared/ (and its own files)',
          },
        ],
      },
    ],
  },
});
