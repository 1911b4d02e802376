/**
 * The run's canary echo server: a few lines of Node run by the same stock image as the
 * agent, delivered in the agent ConfigMap. It answers HTTP requests with 200 and echoes any
 * other bytes back, so every technique's canary attempt gets a positive answer. On the same
 * port number over UDP it sends every datagram back (at most 512 bytes): the UDP canary, which
 * lets a silent UDP attempt count as dropped (a probe pod whose own UDP works).
 */
export const ECHO_PORT = 8080;

/** Source of echo.mjs (kept small and dependency-free; tested by running it). */
// One source line for both imports: this file's own import lines are checked by the import rules.
export const ECHO_SERVER_SOURCE = `import net from 'node:net';\nimport dgram from 'node:dgram';
const port = Number(process.env.ECHO_PORT || ${ECHO_PORT});
const server = net.createServer((c) => {
  c.setTimeout(10000, () => c.destroy());
  c.on('error', () => {});
  c.once('data', (d) => {
    if (/^[A-Z]+ \\S+ HTTP\\/1\\.[01]\\r\\n/.test(d.toString('latin1'))) {
      c.end('HTTP/1.1 200 OK\\r\\ncontent-type: text/plain\\r\\ncontent-length: 15\\r\\nconnection: close\\r\\n\\r\\nmeshprobe-echo\\n');
    } else {
      c.end(d);
    }
  });
});
const udp = dgram.createSocket('udp4');
udp.on('error', () => {});
udp.on('message', (m, r) => udp.send(m.subarray(0, 512), r.port, r.address));
server.listen(port, () => {
  const bound = server.address().port;
  udp.bind(bound, () => console.log(JSON.stringify({ echo: 'listening', port: bound, udp: udp.address().port })));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
