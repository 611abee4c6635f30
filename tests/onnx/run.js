// The ONNX Runtime side of tests/onnx.test: node run.js MODEL.onnx runs the
// model in onnxruntime-node (found through NODE_PATH) on the rows of raw
// inputs read from standard input (comma-separated, "nan" for a missing
// value) as one batch, and prints one line of outputs per row (each float
// in full, as JavaScript prints the double it widens to); with "version",
// prints the runtime's version.
'use strict';
const ort = require('onnxruntime-node');
const fs = require('fs');

async function main() {
	if (process.argv[2] === 'version') {
		console.log(ort.env.versions.common);
		return;
	}
	const session = await ort.InferenceSession.create(process.argv[2]);
	const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.length);
	const width = lines.length ? lines[0].split(',').length : 0;
	const data = new Float32Array(lines.length * width);
	lines.forEach((l, i) => l.split(',').forEach((v, j) => {
		data[i * width + j] = v === 'nan' ? NaN : parseFloat(v);
	}));
	const feeds = {};
	feeds[session.inputNames[0]] = new ort.Tensor('float32', data, [lines.length, width]);
	const out = (await session.run(feeds))[session.outputNames[0]];
	const n = out.dims[1], rows = [];
	for (let i = 0; i < out.dims[0]; i++)
		rows.push(Array.from(out.data.slice(i * n, (i + 1) * n)).join(','));
	process.stdout.write(rows.join('\n') + '\n');
}

main().catch((err) => {
	console.error(String(err));
	process.exit(1);
});
