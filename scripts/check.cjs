const ts=require('typescript');
const p=ts.createProgram(['src/t.ts'],{strict:true,module:ts.ModuleKind.NodeNext,moduleResolution:ts.ModuleResolutionKind.NodeNext,allowImportingTsExtensions:true,noEmit:true,target:ts.ScriptTarget.ES2022});
console.log(ts.getPreEmitDiagnostics(p).map(d=>ts.flattenDiagnosticMessageText(d.messageText,'\n')).join('\n').slice(0,1500) || 'OK')
