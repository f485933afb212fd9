/**
 * What an agency runs to check a proof it was given: no database, no data directory, no gateway
 * configuration; only the proof and the checkpoint key's public half, as JSON on stdin
 * ({ "proof": ..., "publicJwk": ... }). Prints verifyProof's result as JSON. Used by proof.test.ts.
 */
import { verifyProof } from '../../../gateway/audit/verify-proof.js';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const { proof, publicJwk } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { proof: unknown; publicJwk: never };
process.stdout.write(`${JSON.stringify(await verifyProof(proof, publicJwk))}\n`);
