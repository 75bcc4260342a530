// The node peer for bench/run: log in over implicit TLS with imapflow (the library the web app
// uses) and log out, as the web app's "test mailbox" does. imapflow is loaded from
// $IMAPFLOW_DIR/node_modules (bench/run installs it there with npm install --prefix).
// Password from $MBX_BENCH_PASSWORD.
//
//     node imapflow_probe.cjs HOST PORT USER CA_FILE
const fs = require('fs');
const path = require('path');
const { ImapFlow } = require(path.join(process.env.IMAPFLOW_DIR, 'node_modules', 'imapflow'));

const [host, port, user, caFile] = process.argv.slice(2);
const client = new ImapFlow({
    host,
    port: Number(port),
    secure: true,
    auth: { user, pass: process.env.MBX_BENCH_PASSWORD },
    tls: { ca: [fs.readFileSync(caFile)] },
    logger: false,
});

client
    .connect()
    .then(() => client.logout())
    .catch((err) => {
        console.error(`imapflow: ${err.message}`);
        process.exit(1);
    });
