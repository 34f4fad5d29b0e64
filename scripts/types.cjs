const ts=require('typescript');
const file=process.argv[2]||'src/t.ts';
const p=ts.createProgram([file],{strict:true,module:ts.ModuleKind.NodeNext,moduleResolution:ts.ModuleResolutionKind.NodeNext,allowImportingTsExtensions:true,noEmit:true,target:ts.ScriptTarget.ES2022});
const c=p.getTypeChecker();const sf=p.getSourceFile(file);
ts.forEachChild(sf,function v(n){ if(ts.isVariableDeclaration(n)){ console.log(n.name.getText(), '=>', c.typeToString(c.getTypeAtLocation(n.name),undefined,ts.TypeFormatFlags.NoTruncation).slice(0,400)); } ts.forEachChild(n,v)});
console.log(ts.getPreEmitDiagnostics(p).map(d=>ts.flattenDiagnosticMessageText(d.messageText,'\n')).join('\n').slice(0,1500) || 'OK')
