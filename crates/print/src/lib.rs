//! A4 documents in Chinese: the font they are drawn with, a simple text layout (CJK glyphs are
//! square, ASCII half width), and the drawing helpers shared by the election certificates
//! (ballot) and the results report forms (reporting). All text is real, extractable text in
//! the given font; krilla embeds the subset used.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{Context, anyhow};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

pub use krilla;

/// A4 portrait in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;

/// The default font: Debian's `fonts-wqy-microhei`.
pub const DEFAULT_FONT_PATH: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// A font: the bytes of a TrueType/OpenType file or collection and the face index.
#[derive(Clone)]
pub struct FontFile {
    pub data: Arc<Vec<u8>>,
    pub index: u32,
}

impl FontFile {
    /// Reads the font from a path (a .ttc/.ttf/.otf), face `index`.
    pub fn load(path: &Path, index: u32) -> anyhow::Result<Self> {
        let data =
            std::fs::read(path).with_context(|| format!("reading the font {}", path.display()))?;
        Ok(Self {
            data: Arc::new(data),
            index,
        })
    }

    /// The font for a PDF.
    pub fn pdf_font(&self) -> anyhow::Result<Font> {
        Font::new(self.data.clone().into(), self.index)
            .ok_or_else(|| anyhow!("the font (face {}) could not be parsed", self.index))
    }
}

/// A font read from its file on first use (a missing font fails the document request, not
/// the service's start).
pub struct FontSource {
    path: PathBuf,
    index: u32,
    loaded: OnceLock<FontFile>,
}

impl FontSource {
    pub fn new(path: PathBuf, index: u32) -> Self {
        Self {
            path,
            index,
            loaded: OnceLock::new(),
        }
    }

    /// The font, loaded once.
    pub fn get(&self) -> anyhow::Result<FontFile> {
        if let Some(font) = self.loaded.get() {
            return Ok(font.clone());
        }
        let font = FontFile::load(&self.path, self.index)?;
        Ok(self.loaded.get_or_init(|| font).clone())
    }
}

/// Width of one character at `size`: CJK glyphs are square, ASCII counts as half width.
pub fn char_width(c: char, size: f32) -> f32 {
    if c.is_ascii() { size * 0.5 } else { size }
}

pub fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| char_width(c, size)).sum()
}

/// Greedy wrap at any character; closing punctuation may hang past the limit.
pub fn wrap(text: &str, size: f32, first_width: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let w = char_width(c, size);
        let limit = if lines.is_empty() { first_width } else { width };
        if used + w > limit && !line.is_empty() && !"，。、；：）".contains(c) {
            lines.push(std::mem::take(&mut line));
            used = 0.0;
        }
        line.push(c);
        used += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `2024年5月24日`.
pub fn date_zh(d: time::Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

/// A solid fill.
pub fn fill(r: u8, g: u8, b: u8) -> Option<Fill> {
    Some(Fill {
        paint: rgb::Color::new(r, g, b).into(),
        ..Fill::default()
    })
}

/// Draws real (extractable) text in one font; `y` is the baseline.
pub struct Pen<'p, 's> {
    pub surface: &'p mut Surface<'s>,
    pub font: Font,
}

impl Pen<'_, '_> {
    pub fn at(&mut self, size: f32, x: f32, y: f32, s: &str) {
        let start = Point::from_xy(x, y);
        let (font, ltr) = (self.font.clone(), TextDirection::LeftToRight);
        self.surface.draw_text(start, font, size, s, false, ltr);
    }

    /// Centred on the page.
    pub fn centred(&mut self, size: f32, y: f32, s: &str) {
        self.between(size, 0.0, PAGE_W, y, s);
    }

    /// Centred between two x positions.
    pub fn between(&mut self, size: f32, left: f32, right: f32, y: f32, s: &str) {
        self.at(
            size,
            left + (right - left - text_width(s, size)) / 2.0,
            y,
            s,
        );
    }

    /// Ending at `right`.
    pub fn right(&mut self, size: f32, right: f32, y: f32, s: &str) {
        self.at(size, right - text_width(s, size), y, s);
    }

    /// Sets the fill colour of the text that follows.
    pub fn colour(&mut self, r: u8, g: u8, b: u8) {
        self.surface.set_fill(fill(r, g, b));
    }
}

fn stroke(surface: &mut Surface<'_>, path: &krilla::geom::Path, colour: (u8, u8, u8), width: f32) {
    // Outline only: a fill left set by earlier drawing would cover the shape.
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
        width,
        ..Stroke::default()
    }));
    surface.draw_path(path);
    surface.set_stroke(None);
}

/// The outline of a rectangle from its left, top, right and bottom edges.
pub fn rectangle(
    surface: &mut Surface<'_>,
    (l, t, r, b): (f32, f32, f32, f32),
    colour: (u8, u8, u8),
    width: f32,
) -> anyhow::Result<()> {
    let rect = Rect::from_ltrb(l, t, r, b).ok_or_else(|| anyhow!("invalid rectangle"))?;
    let mut pb = PathBuilder::new();
    pb.push_rect(rect);
    let path = pb.finish().ok_or_else(|| anyhow!("empty rectangle"))?;
    stroke(surface, &path, colour, width);
    Ok(())
}

/// A straight line.
pub fn line(
    surface: &mut Surface<'_>,
    from: (f32, f32),
    to: (f32, f32),
    width: f32,
) -> anyhow::Result<()> {
    let mut pb = PathBuilder::new();
    pb.move_to(from.0, from.1);
    pb.line_to(to.0, to.1);
    let path = pb.finish().ok_or_else(|| anyhow!("empty line"))?;
    stroke(surface, &path, (0, 0, 0), width);
    Ok(())
}

/// The large light-grey "演练" across the page that marks a drill's document; drawn first, so
/// that it lies behind the text.
pub fn drill_watermark(surface: &mut Surface<'_>, font: &Font) {
    let (cx, cy) = (PAGE_W / 2.0, PAGE_H / 2.0);
    surface.push_transform(&Transform::from_rotate_at(-30.0, cx, cy));
    surface.set_fill(fill(220, 220, 220));
    let mut pen = Pen {
        surface,
        font: font.clone(),
    };
    pen.centred(120.0, cy + 40.0, "演练");
    surface.pop();
}

/// The font tests draw with: `JUXUAN_FONT_PATH` or the default, which must exist.
pub fn test_font() -> anyhow::Result<FontFile> {
    let path = std::env::var("JUXUAN_FONT_PATH").unwrap_or_else(|_| DEFAULT_FONT_PATH.to_owned());
    let path = Path::new(&path);
    if !path.exists() {
        return Err(anyhow!(
            "test font {} not found: install fonts-wqy-microhei or set JUXUAN_FONT_PATH",
            path.display()
        ));
    }
    FontFile::load(path, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_width_and_lets_closing_punctuation_hang() {
        let lines = wrap("一二三四五，六", 10.0, 50.0, 50.0);
        assert_eq!(lines, vec!["一二三四五，", "六"]);
        assert_eq!(text_width("ab一", 10.0), 20.0);
    }

    #[test]
    fn dates_in_chinese() -> anyhow::Result<()> {
        let d = time::Date::from_calendar_date(2024, time::Month::May, 4)?;
        assert_eq!(date_zh(d), "2024年5月4日");
        Ok(())
    }
}
