//! Model output rendered as Markdown, safely: model output is untrusted, so raw HTML in it is shown as
//! text (escaped), links are kept only for http, https and mailto, and images become their alt text
//! (no request leaves the page because a model wrote an image). A byte range of the source (the graded
//! final answer) can be highlighted with `<mark>`.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// The class of the highlighted final answer.
pub const FINAL_ANSWER_CLASS: &str = "final-answer";

/// `source` as HTML. `highlight` is a byte range of `source` to wrap in `<mark class="final-answer">`.
pub fn render(source: &str, highlight: Option<Range<usize>>) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut events: Vec<Event> = Vec::new();
    // Links whose destination was dropped: their End event must be dropped too.
    let mut dropped_links: Vec<bool> = Vec::new();
    for (event, range) in Parser::new_ext(source, options).into_offset_iter() {
        match event {
            // Raw HTML is shown, not interpreted.
            Event::Html(text) | Event::InlineHtml(text) => push_text(&mut events, text, range, &highlight),
            Event::Start(Tag::Link { dest_url, title, .. }) => match safe_url(&dest_url) {
                Some(url) => {
                    dropped_links.push(false);
                    let mut tag = String::from("<a href=\"");
                    let _ = pulldown_cmark_escape::escape_href(&mut tag, &url);
                    tag.push('"');
                    if !title.is_empty() {
                        tag.push_str(" title=\"");
                        let _ = pulldown_cmark_escape::escape_html(&mut tag, &title);
                        tag.push('"');
                    }
                    tag.push_str(" rel=\"nofollow noopener noreferrer\" target=\"_blank\">");
                    events.push(Event::Html(tag.into()));
                }
                None => dropped_links.push(true),
            },
            Event::End(TagEnd::Link) => {
                if dropped_links.pop() == Some(false) {
                    events.push(Event::Html("</a>".into()));
                }
            }
            // An image shows as its alt text (the events between Start and End).
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            Event::Text(text) => push_text(&mut events, text, range, &highlight),
            Event::Code(code) if overlaps(&range, &highlight) => {
                let mut html = format!("<code><mark class=\"{FINAL_ANSWER_CLASS}\">");
                let _ = pulldown_cmark_escape::escape_html(&mut html, &code);
                html.push_str("</mark></code>");
                events.push(Event::Html(html.into()));
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

fn overlaps(range: &Range<usize>, highlight: &Option<Range<usize>>) -> bool {
    highlight.as_ref().is_some_and(|highlight| range.start < highlight.end && highlight.start < range.end)
}

/// Pushes text (escaped when rendered), wrapping the part inside `highlight` in `<mark>`.
fn push_text<'a>(events: &mut Vec<Event<'a>>, text: CowStr<'a>, range: Range<usize>, highlight: &Option<Range<usize>>) {
    let Some(highlight) = highlight.as_ref().filter(|_| overlaps(&range, highlight)) else {
        events.push(Event::Text(text));
        return;
    };
    let open = Event::Html(format!("<mark class=\"{FINAL_ANSWER_CLASS}\">").into());
    let close = Event::Html("</mark>".into());
    // When the text is the source verbatim (no escapes or entities), split it at the range's ends;
    // otherwise mark the whole piece.
    let start = highlight.start.saturating_sub(range.start);
    let end = highlight.end.min(range.end).saturating_sub(range.start);
    if text.len() == range.len() && text.is_char_boundary(start) && text.is_char_boundary(end) && start < end {
        let (before, rest) = text.split_at(start);
        let (inside, after) = rest.split_at(end - start);
        for (piece, marked) in [(before, false), (inside, true), (after, false)] {
            if piece.is_empty() {
                continue;
            }
            if marked {
                events.push(open.clone());
            }
            events.push(Event::Text(piece.to_owned().into()));
            if marked {
                events.push(close.clone());
            }
        }
    } else {
        events.push(open);
        events.push(Event::Text(text));
        events.push(close);
    }
}

/// The URL if it is safe to link to: http, https, mailto, or a relative URL without a scheme.
/// Browsers ignore tabs, newlines and leading control characters in a scheme (`java\tscript:`), so
/// those are removed before the scheme is read.
fn safe_url(url: &str) -> Option<String> {
    let cleaned: String = url.chars().filter(|c| !c.is_control() && !c.is_whitespace()).collect();
    let scheme_end = cleaned.find(':');
    let path_start = cleaned.find(['/', '?', '#']);
    let has_scheme = match (scheme_end, path_start) {
        (Some(colon), Some(path)) => colon < path,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if !has_scheme {
        return (!cleaned.is_empty()).then_some(cleaned);
    }
    let scheme = cleaned[..scheme_end.expect("checked")].to_ascii_lowercase();
    matches!(scheme.as_str(), "http" | "https" | "mailto").then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped_and_never_becomes_an_element() {
        let html = render(
            "Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n<iframe src=\"https://example.org\"></iframe>",
            None,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"), "{html}");
    }

    #[test]
    fn unsafe_links_are_dropped_and_safe_ones_kept() {
        let html = render(
            "[a](javascript:alert(1)) [b](JaVa\tScRiPt:alert(1)) [c](data:text/html,x) [d](https://example.org/x?y=1) [e](/relative) [f](mailto:x@example.org)",
            None,
        );
        assert!(!html.to_lowercase().contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.starts_with("<p>a "), "the text of a dropped link stays: {html}");
        assert!(html.contains(r#"<a href="https://example.org/x?y=1" rel="nofollow noopener noreferrer""#), "{html}");
        assert!(html.contains(r#"<a href="/relative""#), "{html}");
        assert!(html.contains(r#"<a href="mailto:x@example.org""#), "{html}");
    }

    #[test]
    fn images_become_their_alt_text() {
        let html = render("![a cat](https://example.org/cat.png) ![x](javascript:alert(1))", None);
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("a cat"), "{html}");
    }

    #[test]
    fn markdown_structure_renders() {
        let html = render("# Title\n\n- **bold** item\n- `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |", None);
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn the_highlight_marks_exactly_the_range_even_across_blocks_and_in_cyrillic() {
        let source = "Қадам 1: аудару.\n\n**Жауап:** Астана қаласы.";
        let start = source.find("Астана").unwrap();
        let end = source.find(" қаласы").unwrap();
        let html = render(source, Some(start..end));
        assert!(html.contains(r#"<mark class="final-answer">Астана</mark> қаласы."#), "{html}");
        let across = render(source, Some(source.find("аудару").unwrap()..source.find(" Астана").unwrap()));
        // Each piece of text in the range is marked separately, so the markup stays well nested.
        assert_eq!(across.matches("<mark").count(), across.matches("</mark>").count());
        assert!(across.contains(r#"<mark class="final-answer">аудару.</mark>"#), "{across}");
        assert!(across.contains(r#"<strong><mark class="final-answer">Жауап:</mark></strong>"#), "{across}");
        assert!(!render(source, None).contains("<mark"));
    }
}
