"""Static visualizations of a `mags play --trace` run: `mags viz TRACE --out DIR`.

- `mags.viz.trace` reads and checks the trace into typed frames, one per step;
- `mags.viz.layout` places every entity once, for all frames;
- `mags.viz.frames` draws PNG frames and an animated GIF (matplotlib, Pillow);
- `mags.viz.html` writes one self-contained HTML replay with a step slider;
- `mags.viz.plots` plots strengths and active facts over the run;
- `mags.viz.command` is the command that writes them all.
"""
