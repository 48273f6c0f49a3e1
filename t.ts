import { loadParser } from './src/sql/libpg.ts';
import { parseSection } from './src/sql/parse.ts';
await loadParser();
const stmt = "INSERT INTO orders (id, note) VALUES (1, 'some text here that is long enough to matter');\n";
for (const mb of [1, 5, 20]) {
const sql = stmt.repeat(Math.ceil(mb * 1e6 / stmt.length));
let t = Date.now();
try {
const r = parseSection({ sql, startLine: 1, startColumn: 1 }, 'big.sql');
console.log(mb, 'MB', r.statements.length, r.problems.length, Date.now() - t, 'ms', Math.round(process.memoryUsage().rss / 1e6), 'MB rss');
} catch (e) { console.log(mb, 'threw', String(e).slice(0, 200)) }
}
