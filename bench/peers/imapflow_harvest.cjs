// The node peer of bench/harvest: what a harvest with imapflow (the web app's IMAP library)
// looks like: fetch('1:*', { envelope: true }) over INBOX and the Sent folder, collecting every
// From/To/Cc address into a Map. imapflow comes from $IMAPFLOW_DIR/node_modules.
// Password from $MBX_BENCH_PASSWORD.
//
//     node imapflow_harvest.cjs HOST PORT USER CA_FILE FOLDER...
const fs = require('fs');
const path = require('path');
const { ImapFlow } = require(path.join(process.env.IMAPFLOW_DIR, 'node_modules', 'imapflow'));

const [host, port, user, caFile, ...folders] = process.argv.slice(2);
const client = new ImapFlow({
    host,
    port: Number(port),
    secure: true,
    auth: { user, pass: process.env.MBX_BENCH_PASSWORD },
    tls: { ca: [fs.readFileSync(caFile)] },
    logger: false,
});

(async () => {
    await client.connect();
    const contacts = new Map();
    let messages = 0;
    for (const folder of folders) {
        const lock = await client.getMailboxLock(folder, { readOnly: true });
        try {
            for await (const msg of client.fetch('1:*', { envelope: true })) {
                messages++;
                const env = msg.envelope || {};
                for (const list of [env.from, env.to, env.cc]) {
                    for (const a of list || []) {
                        if (!a.address) continue;
                        const key = a.address.toLowerCase();
                        contacts.set(key, (contacts.get(key) || 0) + 1);
                    }
                }
            }
        } finally {
            lock.release();
        }
    }
    await client.logout();
    console.log(`${messages} messages, ${contacts.size} addresses`);
})().catch((err) => {
    console.error(`imapflow: ${err.message}`);
    process.exit(1);
});
