//! Tables for people that fit the terminal, with or without colour.
//!
//! When the natural table is wider than the terminal, columns shrink: long texts are cut with
//! an ellipsis (`imap.gmail.c…`), free text such as an error wraps at spaces, and when even
//! that is not enough the least useful columns are left out. A cell is never split mid-word,
//! so whatever is copied from a table (an id, a host name) is whole or visibly cut; `--json`
//! always has every field in full. Without a known width (stdout is a pipe and `COLUMNS` is
//! not set) the table keeps its natural width.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{Paint, Style};

/// How a column gives up width: never below `min` columns, and only below `comfort` once the
/// expendable columns are gone.
#[derive(Debug, Clone, Copy)]
pub enum Fit {
    /// Never narrower than its widest cell (ids, short fixed words, numbers).
    Fixed,
    /// Cut with `…`.
    Cut { comfort: usize, min: usize },
    /// Wrapped at spaces (a word longer than the column is cut with `…`).
    Wrap { comfort: usize, min: usize },
}

/// When a column may be left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Leave {
    /// Before any column is cut below its comfortable width (a low-value column).
    Early(u8),
    /// Only when even the narrowest layout does not fit.
    Late(u8),
    Never,
}

pub struct Column {
    header: &'static str,
    fit: Fit,
    leave: Leave,
}

impl Column {
    pub fn new(header: &'static str, fit: Fit) -> Column {
        Column {
            header,
            fit,
            leave: Leave::Never,
        }
    }

    /// Left out (in `order` among such columns) rather than cutting other columns below their
    /// comfortable width.
    pub fn expendable(mut self, order: u8) -> Column {
        self.leave = Leave::Early(order);
        self
    }

    /// Left out (in `order`, after the expendable ones) when even the narrowest layout of the
    /// columns still there is too wide.
    pub fn optional(mut self, order: u8) -> Column {
        self.leave = Leave::Late(order);
        self
    }
}

/// One cell: its text (already made printable) and an optional colour.
pub struct Cell {
    text: String,
    paint: Option<Paint>,
}

impl Cell {
    pub fn painted(text: impl Into<String>, paint: Paint) -> Cell {
        Cell {
            text: text.into(),
            paint: Some(paint),
        }
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(text: T) -> Cell {
        Cell {
            text: text.into(),
            paint: None,
        }
    }
}

pub struct Grid {
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
}

impl Grid {
    pub fn new(columns: Vec<Column>) -> Grid {
        Grid {
            columns,
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.rows.push(cells);
    }

    /// The table, in at most `style.width` terminal columns when that is known (unless even
    /// the narrowest layout is wider), without a trailing newline.
    pub fn render(&self, style: &Style) -> String {
        let layout = self.layout(style.width);
        let shown: Vec<usize> = (0..self.columns.len())
            .filter(|&i| layout[i].is_some())
            .collect();
        let inner: usize = shown
            .iter()
            .map(|&i| layout[i].unwrap_or(0) + 2)
            .sum::<usize>()
            + shown.len()
            - 1;
        let mut out = String::new();
        out.push('┌');
        out.push_str(&"─".repeat(inner));
        out.push_str("┐\n");
        let header: Vec<Vec<String>> = shown
            .iter()
            .map(|&i| vec![self.columns[i].header.to_string()])
            .collect();
        let header_paints = vec![None; shown.len()];
        push_lines(&mut out, &header, &header_paints, &shown, &layout, style);
        out.push('╞');
        out.push_str(&"═".repeat(inner));
        out.push_str("╡\n");
        for row in &self.rows {
            let cells: Vec<Vec<String>> = shown
                .iter()
                .map(|&i| {
                    let width = layout[i].unwrap_or(0);
                    match self.columns[i].fit {
                        Fit::Wrap { .. } => wrap(&row[i].text, width),
                        Fit::Fixed | Fit::Cut { .. } => vec![cut(&row[i].text, width)],
                    }
                })
                .collect();
            let paints: Vec<Option<Paint>> = shown.iter().map(|&i| row[i].paint).collect();
            push_lines(&mut out, &cells, &paints, &shown, &layout, style);
        }
        out.push('└');
        out.push_str(&"─".repeat(inner));
        out.push('┘');
        out
    }

    /// Each column's width, or `None` for a column left out.
    fn layout(&self, limit: Option<usize>) -> Vec<Option<usize>> {
        let natural: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                self.rows
                    .iter()
                    .map(|row| row[i].text.width())
                    .fold(column.header.width(), usize::max)
            })
            .collect();
        // Never narrower than the header, never wider than the widest cell.
        let bound =
            |i: usize, width: usize| natural[i].min(width.max(self.columns[i].header.width()));
        let comfort: Vec<usize> = (0..self.columns.len())
            .map(|i| match self.columns[i].fit {
                Fit::Fixed => natural[i],
                Fit::Cut { comfort, .. } | Fit::Wrap { comfort, .. } => bound(i, comfort),
            })
            .collect();
        let minimum: Vec<usize> = (0..self.columns.len())
            .map(|i| match self.columns[i].fit {
                Fit::Fixed => natural[i],
                Fit::Cut { min, .. } | Fit::Wrap { min, .. } => bound(i, min),
            })
            .collect();
        let mut widths: Vec<Option<usize>> = natural.iter().copied().map(Some).collect();
        let Some(limit) = limit else {
            return widths;
        };
        let total = |widths: &[Option<usize>]| {
            let shown = widths.iter().flatten().count();
            widths.iter().flatten().sum::<usize>() + 3 * shown + 1
        };
        let at = |widths: &[Option<usize>], sizes: &[usize]| -> Vec<Option<usize>> {
            widths
                .iter()
                .zip(sizes)
                .map(|(width, &size)| width.map(|_| size))
                .collect()
        };
        // Expendable columns go while the others do not fit at their comfortable widths, then
        // optional ones while they do not fit at their narrowest.
        for (sizes, early) in [(&comfort, true), (&minimum, false)] {
            while total(&at(&widths, sizes)) > limit {
                let next = (0..self.columns.len())
                    .filter(|&i| widths[i].is_some())
                    .filter(|&i| match self.columns[i].leave {
                        Leave::Early(_) => true,
                        Leave::Late(_) => !early,
                        Leave::Never => false,
                    })
                    .min_by_key(|&i| self.columns[i].leave);
                match next {
                    Some(i) => widths[i] = None,
                    None => break,
                }
            }
        }
        // Then take one column at a time from the widest column that can still give some.
        while total(&widths) > limit {
            let widest = (0..self.columns.len())
                .filter(|&i| widths[i].is_some_and(|w| w > minimum[i]))
                .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
            match widest {
                Some(i) => widths[i] = widths[i].map(|w| w - 1),
                None => break,
            }
        }
        widths
    }
}

/// Appends one table row (several lines when a cell wrapped).
fn push_lines(
    out: &mut String,
    cells: &[Vec<String>],
    paints: &[Option<Paint>],
    shown: &[usize],
    layout: &[Option<usize>],
    style: &Style,
) {
    let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for line in 0..height {
        out.push('│');
        for (n, (lines, &column)) in cells.iter().zip(shown).enumerate() {
            let text = lines.get(line).map_or("", String::as_str);
            let pad = layout[column].unwrap_or(0).saturating_sub(text.width());
            out.push(' ');
            match paints[n] {
                Some(paint) if !text.is_empty() => out.push_str(&style.paint(text, paint)),
                _ => out.push_str(text),
            }
            out.push_str(&" ".repeat(pad + 1));
            if n + 1 < shown.len() {
                out.push(' ');
            }
        }
        out.push_str("│\n");
    }
}

/// `text` in at most `width` columns: whole, or cut with `…`.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        kept.push(c);
        used += w;
    }
    kept.truncate(kept.trim_end().len());
    kept.push('…');
    kept
}

/// `text` in lines of at most `width` columns, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let word = cut(word, width);
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(width: Option<usize>) -> Style {
        Style {
            color: false,
            width,
        }
    }

    fn sample() -> Grid {
        let mut grid = Grid::new(vec![
            Column::new(
                "NAME",
                Fit::Cut {
                    comfort: 12,
                    min: 6,
                },
            ),
            Column::new("ID", Fit::Fixed),
            Column::new(
                "NOTE",
                Fit::Wrap {
                    comfort: 12,
                    min: 8,
                },
            )
            .optional(1),
        ]);
        grid.row(vec![
            "a rather long name".into(),
            "0123abcd".into(),
            "the server said no to this".into(),
        ]);
        grid
    }

    fn widest_line(table: &str) -> usize {
        table.lines().map(UnicodeWidthStr::width).max().unwrap()
    }

    #[test]
    fn natural_width_without_a_limit() {
        let table = sample().render(&plain(None));
        assert!(table.contains("│ a rather long name   0123abcd   the server said no to this │"));
        assert_eq!(widest_line(&table), 18 + 8 + 26 + 3 * 3 + 1);
    }

    #[test]
    fn shrinks_to_the_limit_cutting_and_wrapping_but_never_splitting_the_id() {
        for limit in 38..=64 {
            let table = sample().render(&plain(Some(limit)));
            assert!(widest_line(&table) <= limit, "{limit}:\n{table}");
            assert!(table.contains("0123abcd"), "{limit}:\n{table}");
            for line in table.lines() {
                // Wrapped words are whole: no fragment of a word starts a line.
                assert!(!line.contains("│ he "), "{limit}:\n{table}");
            }
        }
    }

    #[test]
    fn leaves_optional_columns_out_when_even_the_narrowest_layout_is_too_wide() {
        let table = sample().render(&plain(Some(30)));
        assert!(!table.contains("NOTE"), "{table}");
        assert!(widest_line(&table) <= 30, "{table}");
        assert!(table.contains("│ a rather long…    0123abcd │"), "{table}");
    }

    #[test]
    fn expendable_columns_go_before_others_are_cut_below_comfort() {
        let mut grid = Grid::new(vec![
            Column::new(
                "NAME",
                Fit::Cut {
                    comfort: 14,
                    min: 6,
                },
            ),
            Column::new("FLAG", Fit::Fixed).expendable(1),
            Column::new("WHEN", Fit::Fixed).optional(1),
        ]);
        grid.row(vec![
            "a rather long name".into(),
            "yes".into(),
            "today".into(),
        ]);
        // Natural: 18 + 4 + 5 + 10 = 37. At 34 NAME can shrink to 15, above its comfort: FLAG
        // stays. At 30 it would have to go below 14: FLAG goes, WHEN stays.
        let at34 = grid.render(&plain(Some(34)));
        assert!(
            at34.contains("FLAG") && at34.contains("a rather long…"),
            "{at34}"
        );
        let at30 = grid.render(&plain(Some(30)));
        assert!(!at30.contains("FLAG") && at30.contains("WHEN"), "{at30}");
        assert!(at30.contains("a rather long name"), "{at30}");
    }

    #[test]
    fn cut_and_wrap_count_display_columns() {
        assert_eq!(cut("héllo wörld", 6), "héllo…");
        assert_eq!(cut("日本語のラベル", 7), "日本語…");
        assert_eq!(cut("short", 10), "short");
        assert_eq!(wrap("the server said no", 10), ["the server", "said no"]);
        assert_eq!(wrap("averyveryverylongword x", 8), ["averyve…", "x"]);
        assert_eq!(wrap("", 8), [""]);
    }

    #[test]
    fn colour_does_not_change_the_layout() {
        let mut grid = Grid::new(vec![Column::new("STATUS", Fit::Fixed)]);
        grid.row(vec![Cell::painted("ok", Paint::Green)]);
        let color = Style {
            color: true,
            width: Some(20),
        };
        let painted = grid.render(&color);
        assert!(painted.contains("│ \x1b[32mok\x1b[0m     │"), "{painted}");
        let plain = grid.render(&plain(Some(20)));
        assert_eq!(
            painted.replace("\x1b[32m", "").replace("\x1b[0m", ""),
            plain
        );
    }
}
