//! A LaunchAgent (macOS): `~/Library/LaunchAgents/com.github.mailboxes.sync.plist`, run every
//! interval (`StartInterval`), loaded with `launchctl bootstrap gui/$UID`.

use std::path::{Path, PathBuf};

use super::{Every, Job};

pub fn label(name: &str) -> String {
    format!("com.github.{}", name.replace('-', "."))
}

pub fn plist_path(home: &Path, name: &str) -> PathBuf {
    home.join("Library/LaunchAgents")
        .join(format!("{}.plist", label(name)))
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn plist(job: &Job, every: Every, name: &str, log: &Path) -> String {
    let mut arguments = format!(
        "    <string>{}</string>\n",
        xml(&job.program.display().to_string())
    );
    for arg in &job.args {
        arguments.push_str(&format!("    <string>{}</string>\n", xml(arg)));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \
         \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <plist version=\"1.0\">\n\
         <dict>\n\
         \x20 <key>Label</key>\n\
         \x20 <string>{}</string>\n\
         \x20 <key>ProgramArguments</key>\n\
         \x20 <array>\n{arguments}\x20 </array>\n\
         \x20 <key>StartInterval</key>\n\
         \x20 <integer>{}</integer>\n\
         \x20 <key>ProcessType</key>\n\
         \x20 <string>Background</string>\n\
         \x20 <key>StandardErrorPath</key>\n\
         \x20 <string>{}</string>\n\
         </dict>\n\
         </plist>\n",
        xml(&label(name)),
        every.seconds(),
        xml(&log.display().to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plist_runs_the_sync_at_the_interval_with_its_words_escaped() {
        let job = Job::new("/Applications/M&M/mailboxes".into(), "work", None, None);
        let plist = plist(
            &job,
            Every::parse("30m").unwrap(),
            "mailboxes-sync-work",
            Path::new("/tmp/l<og"),
        );
        assert!(
            plist.contains("<string>com.github.mailboxes.sync.work</string>"),
            "{plist}"
        );
        assert!(
            plist.contains("<string>/Applications/M&amp;M/mailboxes</string>"),
            "{plist}"
        );
        assert!(plist.contains("<integer>1800</integer>"), "{plist}");
        assert!(plist.contains("<string>/tmp/l&lt;og</string>"), "{plist}");
        let order: Vec<&str> = plist
            .lines()
            .filter_map(|l| l.trim().strip_prefix("<string>")?.strip_suffix("</string>"))
            .collect();
        assert_eq!(
            order[1..6],
            [
                "/Applications/M&amp;M/mailboxes",
                "--profile",
                "work",
                "sync",
                "--scheduled"
            ]
        );
    }
}
