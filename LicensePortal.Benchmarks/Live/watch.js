// Injected into every measured page before the portal's scripts (Playwright AddInitScript), after a line that sets
// window.__lpWatches = [{ k, name, value }, ...]: change k sets the quota of instance `name` to `value`, a value no
// cell shows before. The first moment a cell of that instance's row shows it is recorded in window.__lpSeen[k], in
// ms since the epoch (performance.timeOrigin + performance.now(), the wall clock the server stamps commits with).
(() => {
  const watches = window.__lpWatches || [];
  const seen = {};
  window.__lpSeen = seen;
  let scheduled = false;

  function cellShows(td, value) {
    if (td.textContent.trim() === value) {
      return true;
    }
    // An administrator's grid shows quotas in inputs; Blazor sets their value property, which no DOM mutation reports.
    for (const input of td.querySelectorAll('input')) {
      if (input.value === value) {
        return true;
      }
    }
    return false;
  }

  function check() {
    scheduled = false;
    const now = performance.timeOrigin + performance.now();
    const grid = document.getElementById('instances-grid');
    if (!grid) {
      return;
    }
    const rows = new Map();
    for (const link of grid.querySelectorAll('a.instance-link')) {
      const tr = link.closest('tr');
      if (tr) {
        rows.set(link.textContent.trim(), tr);
      }
    }
    for (const w of watches) {
      if (seen[w.k] !== undefined) {
        continue;
      }
      const tr = rows.get(w.name);
      if (tr && Array.from(tr.cells).some(td => cellShows(td, w.value))) {
        seen[w.k] = now;
      }
    }
  }

  // Checks run in a microtask: after the render batch that caused them, in the same task, so the stamp is when
  // the change reached the DOM.
  function schedule() {
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(check);
    }
  }

  const valueProperty = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value');
  Object.defineProperty(HTMLInputElement.prototype, 'value', {
    ...valueProperty,
    set(v) {
      valueProperty.set.call(this, v);
      schedule();
    },
  });
  new MutationObserver(schedule).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();
