import { PGlite } from "@electric-sql/pglite";
let t=Date.now();
const a = await PGlite.create(); await a.query("create table x(id int)"); console.log("create", Date.now()-t);
t=Date.now(); const dump = await a.dumpDataDir("none"); console.log("dump", Date.now()-t, dump.size);
t=Date.now(); const b = await PGlite.create({loadDataDir: dump}); const r = await b.query("select count(*) from x"); console.log("load", Date.now()-t, r.rows);
