// Summarises a .cpuprofile (from `node --cpu-prof`): self time by function, top N (default 25).
// Usage: node scripts/prof.cjs FILE.cpuprofile [N]. Used to find where the kernel's time goes.
const fs = require('fs');
const f = process.argv[2];
const p = JSON.parse(fs.readFileSync(f, 'utf8'));
const self = new Map();
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = p.timeDeltas; let total = 0;
p.samples.forEach((id, i) => { const n = byId.get(id); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`; self.set(k, (self.get(k) || 0) + (dt[i] || 0)); total += dt[i] || 0; });
[...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] || 25)).forEach(([k, v]) => console.log((v / total * 100).toFixed(1).padStart(5) + '%  ' + k));
