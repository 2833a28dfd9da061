import { FULL, QUICK, formatReport, runBench } from './bench.js';

// Everything runs on 127.0.0.1 in this one process; every loop is bounded by the sizes.
const sizes = process.argv.includes('--quick') ? QUICK : FULL;
console.log(`Sente vs Socket.IO on ${process.version}, ${JSON.stringify(sizes)}\n`);
const rows = await runBench(sizes);
console.log(formatReport(rows));
