//! A scheduled task (Windows): `schtasks /Create /SC MINUTE /MO N /TN mailboxes-sync /TR …`.

use super::{Every, Job};

/// `schtasks` arguments that create (or replace, `/F`) the task.
pub fn create_args(job: &Job, every: Every, name: &str) -> Vec<String> {
    let quote = |word: &str| format!("\"{}\"", word.replace('"', "\\\""));
    let mut command = vec![quote(&job.program.display().to_string())];
    command.extend(job.args.iter().map(|arg| quote(arg)));
    let (schedule, modifier) = match every.minutes {
        m if m == 24 * 60 => ("DAILY", 1),
        m if m % 60 == 0 => ("HOURLY", m / 60),
        m => ("MINUTE", m),
    };
    vec![
        "/Create".into(),
        "/F".into(),
        "/SC".into(),
        schedule.into(),
        "/MO".into(),
        modifier.to_string(),
        "/TN".into(),
        name.into(),
        "/TR".into(),
        command.join(" "),
    ]
}

pub fn delete_args(name: &str) -> Vec<String> {
    vec!["/Delete".into(), "/F".into(), "/TN".into(), name.into()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_runs_the_sync_at_the_interval() {
        let job = Job::new(r"C:\Tools\mailboxes.exe".into(), "default", None, None);
        let args = create_args(&job, Every::parse("6h").unwrap(), "mailboxes-sync");
        assert_eq!(args[3..6], ["HOURLY", "/MO", "6"]);
        assert!(args[9].starts_with(r#""C:\Tools\mailboxes.exe" "--profile" "default" "sync""#));
    }
}
