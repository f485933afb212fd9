/**
 * bench:profile's baseline: a bare Apollo Server in its own process, with the gateway's schema,
 * answering the profile query with the identical response from memory (no auth, enquiry, policy,
 * gate or audit). Receives `{ type: 'start', profile }`, sends `{ type: 'ready', url }`.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { SCHEMA_PATH } from '../../gateway/resolvers/index.js';

let server: ApolloServer | undefined;
process.on('message', async (message: { type: string; profile?: unknown }) => {
  if (message.type === 'start') {
    const profile = message.profile;
    server = new ApolloServer({ typeDefs: readFileSync(SCHEMA_PATH, 'utf8'), resolvers: { Query: { profile: () => profile }, Information: { __resolveType: () => null } } });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    process.send!({ type: 'ready', url });
  }
  if (message.type === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage() });
  if (message.type === 'stop') {
    await server?.stop();
    process.exit(0);
  }
});
