// workerd (and bundlers that follow its convention, such as wrangler) import a .wasm file as a
// compiled WebAssembly.Module.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
