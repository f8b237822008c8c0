// @ts-check
/**
 * The layers of src/, checked by test/layers.test.ts (part of `npm test`) and drawn by `npm run layers`.
 * `npx depcruise src` reports the same violations (the test also checks that every file was read).
 *
 * A member is a folder of src/ ('lib/') or a file at the root of src/ ('yoga.ts'). Layers are listed from
 * the bottom. A member imports only from members on lower layers: never from its own layer's other members,
 * never upward, and no chain of imports comes back to where it started. Every folder and root file of src/
 * is a member of exactly one layer; a file outside every member is a violation of its own, so a new folder
 * or root file has to be placed here before it can land.
 *
 * dependency-cruiser 17 (18 needs Node 22) reads TypeScript 7 sources only through @swc/core
 * (`parser: 'swc'`); the TypeScript it knows how to load stops below 7. The swc reader records
 * `import type` like any other import, so an upward type import is an `upward` violation unless
 * `upwardTypeImports` below names its two files; the layer test then checks that each import between such
 * a pair is an `import type` declaration.
 */

/** @type {{ name: string, members: string[], why: string }[]} */
const layers = [
  {
    name: 'ground floor',
    members: ['lib/'],
    why: 'Helpers with no knowledge of the app; they import packages and node: modules, nothing else of src/.',
  },
  { name: 'config', members: ['config/'], why: 'Reads the environment; every feature takes its settings from here.' },
  {
    name: 'engine client',
    members: ['modal/'],
    why: "The client of the engine's HTTP contract, with the engine's own error type.",
  },
  {
    name: 'GraphQL errors',
    members: ['errors.ts'],
    why:
      "errors.ts turns modal/'s EngineError into coded GraphQL errors and imports nothing else from src/; " +
      'resolvers/ and schema/ use it, and loaders/ may, to code engine failures in one place. So it sits ' +
      'right above modal/, the lowest floor its one import allows, where every layer above can reach it.',
  },
  { name: 'observability', members: ['observability/'], why: 'Logs, metrics, traces and health checks.' },
  {
    name: 'cache and rate limits',
    members: ['cache/', 'ratelimit/'],
    why: 'Two independent stores of request state; what they share belongs on the ground floor.',
  },
  { name: 'explanations', members: ['explanations/'], why: 'Explanation jobs: ids, keys, charging, watching.' },
  {
    name: 'loaders and HTTP',
    members: ['loaders/', 'http/'],
    why: 'The one way to data, and the HTTP side of the server (Yoga plugins, listeners, limits).',
  },
  {
    name: 'request context',
    members: ['context.ts'],
    why:
      'context.ts is the type every resolver receives; it imports (types only) from config/, modal/, cache/, ' +
      'ratelimit/, explanations/ and loaders/, so it sits above all of them, and below resolvers/, schema/ ' +
      'and yoga.ts, which use it. A plugin lower down names the part of the context it reads instead.',
  },
  { name: 'resolvers', members: ['resolvers/'], why: 'Resolvers with logic of their own.' },
  { name: 'schema', members: ['schema/'], why: 'The Pothos schema, built from the resolvers.' },
  { name: 'app', members: ['yoga.ts'], why: 'Assembles the Yoga app from every layer below.' },
  {
    name: 'server',
    members: ['server.ts', 'serverless.ts'],
    why:
      'The entries: the process that listens, and the route handlers of a serverless function. Each imports ' +
      'yoga.ts, so they sit on a floor of their own above the app.',
  },
];

/**
 * Upward `import type`s the layers allow, each as the exact pair of files with its reason:
 * `{ from: 'src/…/a.ts', to: 'src/…/b.ts', because: '…' }`. Empty: none is needed.
 * @type {{ from: string, to: string, because: string }[]}
 */
const upwardTypeImports = [];

const escape = (/** @type {string} */ text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The regular expression for a member's files: a folder's whole tree, or the one root file. */
const memberPath = (/** @type {string} */ member) =>
  member.endsWith('/') ? `^src/${escape(member)}` : `^src/${escape(member)}$`;
const filePath = (/** @type {string} */ file) => `^${escape(file)}$`;

const allMembers = layers.flatMap((layer) => layer.members);
const assigned = allMembers.map(memberPath);

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const forbidden = [
  {
    name: 'not-in-a-layer',
    comment: 'A file of src/ outside every member of `layers` in .dependency-cruiser.cjs: give it a layer.',
    severity: 'error',
    from: { path: '^src/', pathNot: assigned },
    to: {},
  },
  {
    name: 'not-in-a-layer',
    comment: 'A file of src/ outside every member of `layers` in .dependency-cruiser.cjs: give it a layer.',
    severity: 'error',
    from: {},
    to: { path: '^src/', pathNot: assigned },
  },
  {
    name: 'not-in-a-layer',
    comment: 'A file of src/ outside every member of `layers` in .dependency-cruiser.cjs: give it a layer.',
    severity: 'error',
    from: { orphan: true, path: '^src/', pathNot: assigned },
    to: {},
  },
  {
    name: 'not-resolvable',
    comment: 'An import dependency-cruiser could not follow to a file: its arrow would be missing from these checks.',
    severity: 'error',
    from: {},
    to: { couldNotResolve: true },
  },
  {
    name: 'no-cycle',
    comment: 'Imports that lead back to where they started (type imports included).',
    severity: 'error',
    from: { path: '^src/' },
    to: { circular: true },
  },
];

layers.forEach((layer, index) => {
  const above = layers.slice(index + 1).flatMap((upper) => upper.members);
  for (const member of layer.members) {
    const siblings = layer.members.filter((other) => other !== member);
    if (siblings.length > 0) {
      forbidden.push({
        name: 'same-layer',
        comment: `${member} and ${siblings.join(', ')} share the layer '${layer.name}' and do not import each other.`,
        severity: 'error',
        from: { path: memberPath(member) },
        to: { path: siblings.map(memberPath) },
      });
    }
    if (above.length === 0) continue;
    const comment = `${member} is on the layer '${layer.name}' and imports only from the layers below it.`;
    const excepted = upwardTypeImports.filter((pair) => new RegExp(memberPath(member)).test(pair.from));
    const exceptedFiles = [...new Set(excepted.map((pair) => pair.from))];
    forbidden.push({
      name: 'upward',
      comment,
      severity: 'error',
      from: { path: memberPath(member), ...(exceptedFiles.length ? { pathNot: exceptedFiles.map(filePath) } : {}) },
      to: { path: above.map(memberPath) },
    });
    for (const file of exceptedFiles) {
      forbidden.push({
        name: 'upward',
        comment,
        severity: 'error',
        from: { path: filePath(file) },
        to: {
          path: above.map(memberPath),
          pathNot: excepted.filter((pair) => pair.from === file).map((pair) => filePath(pair.to)),
        },
      });
    }
  }
});

/** @type {import('dependency-cruiser').IConfiguration} */
const configuration = {
  forbidden,
  options: {
    parser: 'swc',
    // src/ and nothing else. An import that does not resolve keeps its raw './…' name and stays in the
    // graph, so `not-resolvable` reports it instead of the arrow silently disappearing; packages stay out
    // even when node_modules is a link to elsewhere (then their paths start with '../' too).
    includeOnly: '^(src/|[.]{1,2}/)',
    exclude: { path: 'node_modules/' },
    moduleSystems: ['es6', 'cjs'],
    // Sources import with the .ts extension (allowImportingTsExtensions); these are for anything else.
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};

// `layers` and `upwardTypeImports` are for test/layers.test.ts and scripts/layer-graph.ts. Not enumerable:
// dependency-cruiser rejects keys it does not know in a configuration.
module.exports = Object.defineProperties(configuration, {
  layers: { value: layers },
  upwardTypeImports: { value: upwardTypeImports },
});
