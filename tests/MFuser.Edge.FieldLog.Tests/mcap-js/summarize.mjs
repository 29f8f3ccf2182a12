// Reads an MCAP file with @mcap/core (the reference TypeScript implementation) twice — indexed (summary, chunk
// indexes, message indexes, CRCs validated) and streamed (every record in order) — and prints JSON counts.
// With a second argument (a folder of Foxglove JSON schemas, <Name>.json for foxglove.<Name>), every JSON message on
// a foxglove.* channel is validated against Foxglove's published schema with Ajv; a message on such a channel
// without a schema file is an error too.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { McapIndexedReader, McapStreamReader } from "@mcap/core";
import Ajv from "ajv";

const path = process.argv[2];
const schemaDir = process.argv[3];
const bytes = await readFile(path);
const ajv = new Ajv({ allErrors: true, strict: true });
const validators = new Map();
async function validatorFor(schemaName) {
  if (!validators.has(schemaName)) {
    const file = join(schemaDir, `${schemaName.slice("foxglove.".length)}.json`);
    validators.set(schemaName, ajv.compile(JSON.parse(await readFile(file, "utf8"))));
  }
  return validators.get(schemaName);
}
const schemaErrors = [];

const readable = {
  size: async () => BigInt(bytes.byteLength),
  read: async (offset, length) => bytes.subarray(Number(offset), Number(offset + length)),
};
const indexed = await McapIndexedReader.Initialize({ readable });
const channels = {};
for (const [id, ch] of indexed.channelsById) {
  const schema = indexed.schemasById.get(ch.schemaId);
  channels[id] = { topic: ch.topic, messageEncoding: ch.messageEncoding, schema: schema?.name ?? null, schemaEncoding: schema?.encoding ?? null,
    messages: 0, validated: 0 };
}
let indexedMessages = 0;
let lastLogTime = -1n;
let ordered = true;
for await (const m of indexed.readMessages()) {
  channels[m.channelId].messages++;
  indexedMessages++;
  if (m.logTime < lastLogTime) ordered = false;
  lastLogTime = m.logTime;
  const channel = channels[m.channelId];
  if (channel.messageEncoding !== "json") continue;
  const message = JSON.parse(new TextDecoder().decode(m.data));
  if (schemaDir && channel.schema?.startsWith("foxglove.")) {
    const validate = await validatorFor(channel.schema);
    if (validate(message)) channel.validated++;
    else if (schemaErrors.length < 20) schemaErrors.push({ topic: channel.topic, logTime: String(m.logTime), errors: validate.errors });
  }
}

const stream = new McapStreamReader({ validateCrcs: true });
stream.append(bytes);
let streamedMessages = 0;
let footer = false;
for (let r; (r = stream.nextRecord()) !== undefined; ) {
  if (r.type === "Message") streamedMessages++;
  if (r.type === "Footer") footer = true;
}

console.log(JSON.stringify({
  header: indexed.header,
  chunks: indexed.chunkIndexes.length,
  statisticsMessageCount: Number(indexed.statistics?.messageCount ?? -1n),
  indexedMessages,
  streamedMessages,
  ordered,
  footer,
  streamDone: stream.done(),
  channels: Object.values(channels),
  schemaErrors,
}));
