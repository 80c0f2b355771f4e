// SPDX-License-Identifier: MIT
// Fidelity oracle: the official Kusto Node SDKs (azure-kusto-data,
// azure-kusto-ingest) run against our test server (+ Azurite for queued
// ingestion). Every step must succeed and the row counts must add up; a
// response shape the SDKs cannot parse fails this script. Prints one JSON line.
import { Readable } from "node:stream";
import { Client, KustoConnectionStringBuilder } from "azure-kusto-data";
import {
  DataFormat, IngestClient, ManagedStreamingIngestClient, StreamingIngestClient,
} from "azure-kusto-ingest";

const ENGINE = process.env.E2K_ENGINE;
const DM = process.env.E2K_DM;
const DB = "SdkDb";
const steps = [];

async function step(name, fn) {
  try {
    const r = await fn();
    steps.push({ name, ok: true, detail: r === undefined ? null : r });
  } catch (e) {
    steps.push({ name, ok: false, detail: String(e && e.message ? e.message : e) });
  }
}

async function fault(f) {
  await fetch(ENGINE + "/test/fault", { method: "POST", body: JSON.stringify(f) });
}

const kcsb = () => KustoConnectionStringBuilder.withAccessToken(ENGINE, "sdk-token");
const kcsbDm = () => KustoConnectionStringBuilder.withAccessToken(DM, "sdk-token");
const client = new Client(kcsb());
const props = (extra) => ({ database: DB, table: "Events", ...extra });
const csv = (a, b) => Readable.from([Buffer.from(`2026-01-01T00:00:0${a}Z,Info,${a},"{""k"":${a}}"\n2026-01-01T00:00:0${b}Z,Warn,${b},"{}"\n`)]);

await step("mgmt .create-merge table", async () => {
  const r = await client.execute(DB, ".create-merge table Events (Timestamp:datetime, Level:string, Count:long, Props:dynamic)");
  return r.primaryResults[0].toJSON().data[0].TableName;
});
await step("mgmt json mapping", async () => {
  const m = '[{"column":"Timestamp","path":"$.ts","datatype":"datetime"},{"column":"Level","path":"$.lvl"},{"column":"Count","path":"$.n"},{"column":"Props","path":"$.p"}]';
  const r = await client.execute(DB, `.create-or-alter table Events ingestion json mapping "EventsMap" '${m}'`);
  return r.primaryResults[0].toJSON().data[0].Name;
});
await step("mgmt .show tables", async () => {
  const r = await client.execute(DB, ".show tables");
  return r.primaryResults[0].toJSON().data.map((x) => x.TableName);
});
await step("streaming csv", async () => {
  const s = new StreamingIngestClient(kcsb());
  const r = await s.ingestFromStream(csv(1, 2), props({ format: DataFormat.CSV }));
  s.close();
  return r && r.primaryResults ? r.primaryResults[0].toJSON().data[0] : r;
});
await step("streaming multijson with mapping", async () => {
  const s = new StreamingIngestClient(kcsb());
  const data = Readable.from([Buffer.from('{"ts":"2026-01-01T00:00:03Z","lvl":"Info","n":3,"p":{"a":1}}\n{"ts":"2026-01-01T00:00:04Z","lvl":"Error","n":4,"p":[1,2]}\n')]);
  await s.ingestFromStream(data, props({ format: DataFormat.MULTIJSON, ingestionMappingReference: "EventsMap" }));
  s.close();
});
await step("queued csv via Azurite", async () => {
  const q = new IngestClient(kcsbDm());
  const r = await q.ingestFromStream(csv(5, 6), props({ format: DataFormat.CSV }));
  q.close();
  return r.getIngestionStatusCollection ? "queued" : JSON.stringify(r).slice(0, 80);
});
await step("managed streaming after 2 x 500", async () => {
  await fault({ where: "ingest", action: "status", status: 500, count: 2 });
  const m = new ManagedStreamingIngestClient(kcsb(), kcsbDm());
  await m.ingestFromStream(csv(7, 8), props({ format: DataFormat.CSV }));
  m.close();
});
await step("wait for the DM", async () => {
  for (let i = 0; i < 100; i++) {
    const r = await client.execute(DB, "Events | count");
    const n = r.primaryResults[0].toJSON().data[0].Count;
    if (n >= 8) return n;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error("queued rows did not arrive");
});
await step("query v2 count", async () => {
  const r = await client.execute(DB, "Events | count");
  return r.primaryResults[0].toJSON().data[0].Count;
});
await step("query v1 rows", async () => {
  const r = await client.executeQueryV1(DB, "Events");
  return r.primaryResults[0].toJSON().data.length;
});
await step("query v2 rows typed", async () => {
  const r = await client.execute(DB, "Events | take 2");
  const row = r.primaryResults[0].toJSON().data[0];
  return { ts: row.Timestamp instanceof Date ? row.Timestamp.toISOString() : String(row.Timestamp), level: row.Level };
});
let partialError = null;
await fault({ where: "partial", count: 1 });
try {
  const r = await client.execute(DB, "Events");
  const t = r.primaryResults[0];
  // the SDK must notice the inline error: either throw, or expose it
  partialError = r.getExceptions && r.getExceptions().length ? "exceptions: " + r.getExceptions().length : null;
  if (!partialError) {
    try {
      t.toJSON();
      for (const row of t.rows()) void row;
    } catch (e) {
      partialError = "rows: " + String(e.message || e);
    }
  }
} catch (e) {
  partialError = "execute: " + String(e.message || e);
}
steps.push({ name: "200 with inline OneApiErrors detected", ok: partialError !== null, detail: partialError });
let semanticError = null;
try {
  await client.execute(DB, "Nope | count");
} catch (e) {
  semanticError = String(e.message || e);
}
steps.push({ name: "semantic error rejected", ok: semanticError !== null, detail: semanticError });
let wrongEndpoint = null;
try {
  await client.execute("NetDefaultDB", ".get ingestion resources");
} catch (e) {
  wrongEndpoint = String(e.message || e);
}
steps.push({ name: ".get ingestion resources on engine rejected", ok: wrongEndpoint !== null, detail: wrongEndpoint });
client.close();
console.log(JSON.stringify({ steps }));
