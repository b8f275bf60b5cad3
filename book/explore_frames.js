// The front end of the course's interactive figures (chapter 0), one module for both
// worlds: the live widget (book.explore_live, an anywidget) and the static book
// (book.explore_static inlines this text in the page). It builds the controls and a
// box of frames, computes the frame number the controls name (row-major over the
// sliders), keeps every frame it has shown (frame number -> image), shows a kept frame
// at once and asks a frame source for the others: the kernel in a live notebook, the
// frames already in the page in the static book.

/** Return the frame number of control `indices` over sliders of `sizes` values (row-major). */
export function frameNumber(indices, sizes) {
  let n = 0;
  for (let k = 0; k < sizes.length; k++) n = n * sizes[k] + indices[k];
  return n;
}

function element(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children || []) node.append(child);
  return node;
}

// The controls of `spec` (labels, options, choice, defaults): a range input with an
// output element naming its value, or a select, each in its label, as data-k = slider index.
function controls(spec) {
  const box = element("div", {
    class: "book-explore-controls",
    style: "display:flex;flex-wrap:wrap;gap:1em",
  });
  // data-lm-suppress-shortcuts: JupyterLab leaves a control's keys to it (else its
  // notebook shortcuts take the arrow keys from a focused slider)
  const quiet = { "data-lm-suppress-shortcuts": "true" };
  spec.labels.forEach((label, k) => {
    const options = spec.options[k];
    const chosen = spec.defaults[k];
    let parts;
    if (spec.choice[k]) {
      const select = element("select", { "data-k": String(k), ...quiet });
      options.forEach((text, i) => {
        const option = element("option", { value: String(i) }, [text]);
        option.selected = i === chosen;
        select.append(option);
      });
      parts = [label + " ", select];
    } else {
      const range = element("input", {
        type: "range",
        "data-k": String(k),
        min: "0",
        max: String(options.length - 1),
        step: "1",
        value: String(chosen),
        ...quiet,
      });
      parts = [label + " ", range, " ", element("output", {}, [options[chosen]])];
    }
    box.append(element("label", {}, parts));
  });
  return box;
}

/**
 * Make the figure in `root` interactive; return {show, receive, fail, frames}.
 *
 * `spec`: {labels, options (the value texts of each slider), choice (whether each is a
 * select), defaults (indices)}. `root` holds a .book-explore-frames box (made if
 * absent) with the frames already rendered, if any. `request(n, figure)` asks the frame
 * source for frame n; it answers, at once or later, with figure.receive(n, img) or
 * figure.fail(n, message). One request is in flight at a time: while the kernel renders
 * one frame, moves of a control only change which frame is wanted next, so a held key
 * does not queue every frame it passes.
 */
export function mount(root, spec, request) {
  const sizes = spec.options.map((o) => o.length);
  let box = root.querySelector(".book-explore-frames");
  if (!box) {
    box = element("div", { class: "book-explore-frames" });
    root.append(box);
  }
  const panel = controls(spec);
  box.before(panel);
  const message = element("p", { class: "book-explore-error", role: "alert" });
  message.hidden = true;
  box.after(message);
  const inputs = Array.from(panel.querySelectorAll("[data-k]"));
  const cache = new Map(); // frame number -> img element, every frame received
  let wanted = frameNumber(spec.defaults, sizes);
  let inflight = null; // {n, since}: the request the source has not answered yet

  function display(img) {
    for (const other of cache.values()) other.style.display = other === img ? "" : "none";
    root.removeAttribute("aria-busy");
  }

  function ask() {
    const stale = inflight && performance.now() - inflight.since > 10000;
    if (cache.has(wanted) || (inflight && !stale)) return;
    inflight = { n: wanted, since: performance.now() };
    root.setAttribute("aria-busy", "true");
    request(wanted, figure);
  }

  function show() {
    const indices = inputs.map((c) => Number(c.value));
    inputs.forEach((c, k) => {
      const out = c.parentNode.querySelector("output");
      if (out) out.textContent = spec.options[k][indices[k]];
    });
    wanted = frameNumber(indices, sizes);
    const img = cache.get(wanted);
    if (img) display(img);
    else ask();
  }

  function receive(n, img) {
    if (inflight && inflight.n === n) inflight = null;
    if (!cache.has(n)) {
      // (a frame asked for by another view of the same widget may arrive twice)
      img.dataset.frame = String(n);
      if (!img.isConnected) {
        img.style.display = "none";
        box.append(img);
      }
      cache.set(n, img);
    }
    if (n === wanted) {
      message.hidden = true;
      display(cache.get(n));
    } else ask();
  }

  function fail(n, text) {
    if (inflight && (n == null || inflight.n === n)) inflight = null; // null: not a frame request
    root.removeAttribute("aria-busy");
    message.textContent = text;
    message.hidden = false;
  }

  for (const c of inputs) {
    c.addEventListener("input", show);
    c.addEventListener("change", show);
  }
  const figure = { show, receive, fail, frames: cache };
  show();
  return figure;
}

/** The static book: the frame source is the img[data-frame] elements of the page. */
export function mountStatic(id, spec) {
  const root = document.getElementById(id);
  return mount(root, spec, (n, figure) => {
    const img = root.querySelector(`img[data-frame="${n}"]`);
    if (img) figure.receive(n, img);
    else figure.fail(n, `frame ${n} is not in the page`);
  });
}

// The live widget (anywidget): the kernel renders a frame when asked for it, {want: n},
// and answers {frame: n, alt} with the PNG as a buffer, or {error, want: n}.
function render({ model, el }) {
  const spec = {
    labels: model.get("labels"),
    options: model.get("options"),
    choice: model.get("choice"),
    defaults: model.get("defaults"),
  };
  const root = element("div", { class: "book-explore" }, [
    element("p", {}, [element("strong", {}, [model.get("title")])]),
  ]);
  el.append(root);
  const urls = [];
  const figure = mount(root, spec, (n) => model.send({ want: n }));
  function onMessage(msg, buffers) {
    if (msg && typeof msg.error === "string") {
      figure.fail(msg.want, msg.error);
    } else if (msg && Number.isInteger(msg.frame) && buffers && buffers.length === 1) {
      const url = URL.createObjectURL(new Blob([buffers[0]], { type: "image/png" }));
      urls.push(url);
      const width = String(model.get("width"));
      const img = element("img", { src: url, alt: msg.alt, width, class: model.get("classes") });
      img.style.maxWidth = "100%";
      figure.receive(msg.frame, img);
    }
  }
  model.on("msg:custom", onMessage);
  return () => {
    model.off("msg:custom", onMessage);
    urls.forEach((url) => URL.revokeObjectURL(url));
  };
}

export default { render };
