// Shared by the browser benches: a script run in the page before the app that notes, in
// window.__openBench, the first animation frame at which a supervision's title shows
// (`title`), at which its first screen is there to read and type in (`first`: the title and
// the first finding's text area holding its text), at which it can be edited (`editable`:
// the title shown and the page's controls enabled; a page drawn from the reading the tablet
// kept waits for its document with them disabled), and at which
// `findings` finding text areas all hold their text (`findings`), in milliseconds since the
// navigation started. Pass it to addInitScript with the count.
export function markOpen(findings) {
  const marks = (window.__openBench = {});
  const frame = () => {
    const now = performance.now();
    const title = document.querySelector('[data-testid="supervision-title"]');
    if (marks.title === undefined && title && title.textContent.trim() !== "") marks.title = now;
    if (marks.first === undefined && marks.title !== undefined) {
      const first = document.querySelector('[data-testid="finding-text"]');
      if (first && first.value.length > 0) marks.first = now;
    }
    if (marks.editable === undefined && marks.title !== undefined) {
      const body = document.querySelector("fieldset.doc-body");
      if (body && body.matches(":enabled")) marks.editable = now;
    }
    if (marks.findings === undefined) {
      const areas = document.querySelectorAll('[data-testid="finding-text"]');
      if (areas.length >= findings && Array.prototype.every.call(areas, (a) => a.value.length > 0)) marks.findings = now;
    }
    if ([marks.title, marks.first, marks.editable, marks.findings].includes(undefined)) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
