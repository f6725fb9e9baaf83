// Builds page/ with Vite's JS API into the directory given, as `vite build` would in a user's project.
// Vite is not installed in the consumer project: its module URL comes from the test (argv[2]).

const [viteUrl, outDir] = process.argv.slice(2);
const { build } = await import(viteUrl);
const output = await build({
  root: new URL('./page/', import.meta.url).pathname,
  configFile: false,
  logLevel: 'warn',
  build: { outDir, emptyOutDir: true },
});
const files = (Array.isArray(output) ? output : [output]).flatMap((result) => result.output.map((o) => o.fileName));
process.stdout.write(`${JSON.stringify({ files })}\n`);
