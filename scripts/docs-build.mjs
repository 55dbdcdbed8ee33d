// @ts-check
// `npm run docs:build`: the docs site in site/ (git-ignored) — TypeDoc's API reference from the TSDoc of every
// entry (typedoc.json), with README.md as its front page and the guides of docs/ (plus PROTOCOL.md and
// CHANGELOG.md) as its documents.
//
// Why the hook: TypeDoc needs the TypeScript compiler API, which TypeScript 7 (this repo's `typescript`) does not
// have. TypeScript 6 is here as `@typescript/typescript6` (rollup-plugin-dts uses it too); package.json's
// `overrides` lets TypeDoc's peer dependency be met at install time, and this resolve hook hands TypeDoc that
// package whenever it imports `typescript`. Nothing else is affected: the hook only answers TypeDoc's imports.
import { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, next) {
  if (specifier === 'typescript' && context.parentURL?.includes('/node_modules/typedoc/')) {
    return next('@typescript/typescript6', context);
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);

const { Application } = await import('typedoc');
const app = await Application.bootstrapWithPlugins({ options: 'typedoc.json' });
const project = await app.convert();
if (!project) {
  console.error('docs:build: TypeDoc could not convert the project (see above)');
  process.exit(1);
}
await app.generateDocs(project, app.options.getValue('out'));
if (app.logger.hasErrors()) process.exit(1);
console.log(
  `docs:build: site/index.html (${app.logger.hasWarnings() ? 'with warnings, above' : 'no warnings'})`,
);
