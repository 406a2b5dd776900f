package gpt2j.cli.attention;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import gpt2j.engine.HeadStat;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One self-contained HTML page: a grid of every layer x head drawn by an inline script from inline JSON, hover to read
 * a weight, click to enlarge a head with its token labels on both axes. No network: a Content-Security-Policy forbids
 * every fetch, and fonts are the system's. Script errors are written into {@code #errors} so a headless browser's
 * DOM dump shows them.
 */
public final class HtmlPage {

    private HtmlPage() {
    }

    public static String render(AttentionData data, String prompt) {
        return TEMPLATE.replace("%TITLE%", escapeHtml("gpt2j attention: " + TokenText.shorten(prompt, 80)))
                .replace("%DATA%", json(data));
    }

    /** The page's data; only the lower triangle of each head is sent, so masked keys are absent, not zero. */
    static String json(AttentionData data) {
        StringWriter sw = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(sw)) {
            g.writeStartObject();
            g.writeArrayFieldStart("tokens");
            for (int i = 0; i < data.length(); i++) g.writeString(data.label(i));
            g.writeEndArray();
            g.writeNumberField("layers", data.layers());
            g.writeNumberField("heads", data.heads());
            g.writeArrayFieldStart("stops");
            for (int c : HeatColors.STOPS) g.writeNumber(c);
            g.writeEndArray();
            g.writeArrayFieldStart("attention");
            for (float[][][] layer : data.weights()) {
                g.writeStartArray();
                for (float[][] head : layer) {
                    g.writeStartArray();
                    for (int q = 0; q < head.length; q++) {
                        g.writeStartArray();
                        for (int k = 0; k <= q; k++) g.writeNumber(round4(head[q][k]));
                        g.writeEndArray();
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("stats");
            for (HeadStat s : data.stats()) {
                g.writeStartObject();
                g.writeNumberField("entropy", round4(s.entropy()));
                g.writeNumberField("previous", round4(s.previousToken()));
                g.writeNumberField("first", round4(s.firstToken()));
                g.writeNumberField("same", round4(s.sameToken()));
                g.writeNumberField("induction", round4(s.induction()));
                g.writeStringField("label", HeadLabels.key(s));
                g.writeStringField("name", HeadLabels.name(s));
                g.writeStringField("explain", HeadLabels.explain(s));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Inside <script>, "</script>" in a token would end the element: '<' only occurs in strings, where \u003c is equal.
        return sw.toString().replace("<", "\\u003c");
    }

    /** Four decimals are enough to read and keep the page small. */
    private static BigDecimal round4(double v) {
        return Double.isFinite(v) ? BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_EVEN).stripTrailingZeros()
                : BigDecimal.ZERO;
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static final String TEMPLATE = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>%TITLE%</title>
            <style>
            body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 16px 20px; color: #1b1f24; background: #fff; }
            h1 { font-size: 18px; margin: 0 0 6px; }
            #errors { color: #b00020; background: #fdecee; padding: 8px; white-space: pre-wrap; }
            #errors:empty { display: none; }
            .tokens { display: flex; flex-wrap: wrap; gap: 3px; margin: 6px 0 10px; }
            .tok { font-family: "DejaVu Sans Mono", monospace; background: #f1f3f5; border: 1px solid #d0d7de; border-radius: 3px; padding: 0 4px; }
            .tok i { color: #8c959f; font-style: normal; font-size: 10px; margin-right: 3px; }
            .legend { display: flex; align-items: center; gap: 8px; margin-bottom: 12px; color: #57606a; }
            .ramp { width: 160px; height: 12px; border: 1px solid #d0d7de; }
            .swatch { width: 12px; height: 12px; border: 1px solid #d0d7de; background: #fff; display: inline-block; vertical-align: middle; }
            table.grid { border-collapse: collapse; }
            .grid th { font-weight: 600; color: #57606a; font-size: 11px; padding: 2px 4px; }
            .grid td { padding: 3px; vertical-align: top; }
            .head { cursor: pointer; width: var(--cell); border: 1px solid transparent; border-radius: 4px; padding: 2px; }
            .head:hover { border-color: #0969da; }
            .head canvas { width: var(--cell); height: var(--cell); image-rendering: pixelated; border: 1px solid #d0d7de; display: block; background: #fff; }
            .s { font-size: 9px; color: #57606a; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
            .badge { font-size: 9px; font-weight: 600; border-radius: 3px; padding: 0 3px; color: #fff; background: #6e7781; }
            .badge.previous-token { background: #d1590f; }
            .badge.induction { background: #8250df; }
            .badge.first-token { background: #1a7f37; }
            .badge.self { background: #bf3989; }
            #tip { position: fixed; pointer-events: none; background: #1b1f24; color: #fff; font-size: 12px; padding: 3px 6px; border-radius: 3px; display: none; z-index: 10; white-space: nowrap; }
            #overlay { position: fixed; inset: 0; background: rgba(27, 31, 36, .45); display: flex; align-items: flex-start; justify-content: center; overflow: auto; z-index: 5; }
            #overlay[hidden] { display: none; }
            .panel { background: #fff; margin: 24px; padding: 16px 20px; border-radius: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.3); position: relative; }
            .panel h2 { margin: 0 0 4px; font-size: 17px; }
            .panel p { margin: 2px 0 8px; color: #57606a; }
            #close { position: absolute; top: 8px; right: 10px; border: 0; background: none; font-size: 20px; cursor: pointer; }
            </style>
            </head>
            <body>
            <pre id="errors"></pre>
            <script>
            (function () {
              var box = document.getElementById('errors');
              function add(m) { box.textContent += m + '\\n'; }
              window.addEventListener('error', function (e) { add('error: ' + e.message + (e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : '')); });
              window.addEventListener('unhandledrejection', function (e) { add('unhandled rejection: ' + e.reason); });
              document.addEventListener('securitypolicyviolation', function (e) { add('blocked by the page policy: ' + e.blockedURI); });
              var original = console.error;
              console.error = function () { add('console.error: ' + Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
            })();
            </script>
            <h1>Attention weights</h1>
            <div class="tokens" id="tokens"></div>
            <div class="legend">
              <span>weight 0</span><canvas class="ramp" id="ramp" width="160" height="1"></canvas><span>1</span>
              <span class="swatch"></span><span>masked (a later token)</span>
              <span>&middot; rows: query token, columns: key token &middot; hover to read a weight, click a head to enlarge</span>
            </div>
            <table class="grid" id="grid"></table>
            <div id="overlay" hidden><div class="panel">
              <button id="close" title="close (Esc)">&times;</button>
              <h2 id="ftitle"></h2><p id="fexplain"></p><p id="fstats"></p>
              <canvas id="fcanvas"></canvas>
            </div></div>
            <div id="tip"></div>
            <script type="application/json" id="data">%DATA%</script>
            <script>
            (function () {
              'use strict';
              var D = JSON.parse(document.getElementById('data').textContent);
              var T = D.tokens.length, L = D.layers, H = D.heads;
              var CELL = Math.max(56, Math.min(104, Math.floor(1200 / H) - 12));
              document.documentElement.style.setProperty('--cell', CELL + 'px');

              function rgb(w) {
                var s = D.stops, p = Math.min(1, Math.max(0, w)) * (s.length - 1);
                var i = Math.min(Math.floor(p), s.length - 2), f = p - i, a = s[i], b = s[i + 1];
                function mix(sh) { var x = (a >> sh) & 255, y = (b >> sh) & 255; return Math.round(x + (y - x) * f); }
                return [mix(16), mix(8), mix(0)];
              }
              function css(w) { var c = rgb(w); return 'rgb(' + c[0] + ',' + c[1] + ',' + c[2] + ')'; }
              function fmt(x) { return (+x).toFixed(3); }
              function stat(l, h) { return D.stats[l * H + h]; }
              function headName(l, h) {
                var s = stat(l, h);
                return 'layer ' + l + ', head ' + h + (s.name ? ': ' + s.name : '');
              }
              function statsText(s) {
                return 'entropy ' + fmt(s.entropy) + ' \\u00b7 previous ' + fmt(s.previous) + ' \\u00b7 first ' + fmt(s.first) +
                  ' \\u00b7 same ' + fmt(s.same) + ' \\u00b7 induction ' + fmt(s.induction);
              }

              var tokens = document.getElementById('tokens');
              D.tokens.forEach(function (t, i) {
                var span = document.createElement('span');
                span.className = 'tok';
                var n = document.createElement('i');
                n.textContent = i;
                span.appendChild(n);
                span.appendChild(document.createTextNode(t));
                tokens.appendChild(span);
              });
              var ramp = document.getElementById('ramp'), rc = ramp.getContext('2d');
              for (var x = 0; x < ramp.width; x++) { rc.fillStyle = css(x / (ramp.width - 1)); rc.fillRect(x, 0, 1, 1); }

              // One pixel per (query, key); CSS scales it up without smoothing. Masked pixels stay transparent.
              function paintSmall(canvas, l, h) {
                canvas.width = T; canvas.height = T;
                var ctx = canvas.getContext('2d'), img = ctx.createImageData(T, T), rows = D.attention[l][h];
                for (var q = 0; q < T; q++) {
                  for (var k = 0; k <= q; k++) {
                    var c = rgb(rows[q][k]), o = (q * T + k) * 4;
                    img.data[o] = c[0]; img.data[o + 1] = c[1]; img.data[o + 2] = c[2]; img.data[o + 3] = 255;
                  }
                }
                ctx.putImageData(img, 0, 0);
              }

              var tip = document.getElementById('tip');
              function showTip(e, l, h, q, k) {
                if (q < 0 || k < 0 || q >= T || k >= T) { tip.style.display = 'none'; return; }
                var w = k <= q ? fmt(D.attention[l][h][q][k]) : 'masked';
                tip.textContent = 'L' + l + ' H' + h + ': ' + D.tokens[q] + ' \\u2192 ' + D.tokens[k] + ' = ' + w;
                tip.style.left = (e.clientX + 14) + 'px'; tip.style.top = (e.clientY + 12) + 'px';
                tip.style.display = 'block';
              }
              function hideTip() { tip.style.display = 'none'; }

              var grid = document.getElementById('grid');
              var head = grid.insertRow();
              head.appendChild(document.createElement('th'));
              for (var h = 0; h < H; h++) { var th = document.createElement('th'); th.textContent = 'head ' + h; head.appendChild(th); }
              for (var l = 0; l < L; l++) {
                var row = grid.insertRow(), lh = document.createElement('th');
                lh.textContent = 'layer ' + l;
                row.appendChild(lh);
                for (h = 0; h < H; h++) row.insertCell().appendChild(cell(l, h));
              }

              function cell(l, h) {
                var s = stat(l, h), div = document.createElement('div'), c = document.createElement('canvas');
                div.className = 'head';
                div.dataset.layer = l; div.dataset.head = h;
                div.title = headName(l, h) + '\\n' + statsText(s);
                paintSmall(c, l, h);
                div.appendChild(c);
                var s1 = document.createElement('div'), s2 = document.createElement('div');
                s1.className = s2.className = 's';
                s1.textContent = 'ent ' + (+s.entropy).toFixed(2) + ' prev ' + (+s.previous).toFixed(2);
                s2.textContent = '1st ' + (+s.first).toFixed(2) + ' ind ' + (+s.induction).toFixed(2);
                div.appendChild(s1); div.appendChild(s2);
                if (s.label) {
                  var b = document.createElement('span');
                  b.className = 'badge ' + s.label;
                  b.textContent = s.label;
                  div.appendChild(b);
                }
                c.addEventListener('mousemove', function (e) {
                  var r = c.getBoundingClientRect();
                  showTip(e, l, h, Math.floor((e.clientY - r.top) / r.height * T), Math.floor((e.clientX - r.left) / r.width * T));
                });
                c.addEventListener('mouseleave', hideTip);
                div.addEventListener('click', function () { location.hash = 'L' + l + 'H' + h; });
                return div;
              }

              // The enlarged head: token labels on both axes (keys rotated along the top, queries down the left).
              var overlay = document.getElementById('overlay'), fc = document.getElementById('fcanvas');
              var focus = null;
              function open(l, h) {
                var s = stat(l, h);
                document.getElementById('ftitle').textContent = headName(l, h);
                document.getElementById('fexplain').textContent = s.explain;
                document.getElementById('fstats').textContent = statsText(s);
                var dpr = window.devicePixelRatio || 1, ctx = fc.getContext('2d');
                var px = Math.max(6, Math.min(32, Math.floor(720 / T)));
                var font = Math.min(12, Math.max(8, px - 2)) + 'px "DejaVu Sans Mono", monospace';
                ctx.font = font;
                var m = 0;
                D.tokens.forEach(function (t) { m = Math.max(m, ctx.measureText(t).width); });
                var pad = Math.ceil(m) + 10 + (T > 9 ? 18 : 10);
                var size = pad + T * px + 4;
                fc.width = size * dpr; fc.height = size * dpr;
                fc.style.width = size + 'px'; fc.style.height = size + 'px';
                ctx = fc.getContext('2d');
                ctx.scale(dpr, dpr);
                ctx.font = font;
                ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, size, size);
                var rows = D.attention[l][h];
                for (var q = 0; q < T; q++) {
                  for (var k = 0; k <= q; k++) { ctx.fillStyle = css(rows[q][k]); ctx.fillRect(pad + k * px, pad + q * px, px, px); }
                }
                ctx.strokeStyle = '#d0d7de';
                ctx.strokeRect(pad - 0.5, pad - 0.5, T * px + 1, T * px + 1);
                ctx.fillStyle = '#1b1f24'; ctx.textBaseline = 'middle';
                ctx.textAlign = 'right';
                for (q = 0; q < T; q++) ctx.fillText(D.tokens[q] + ' ' + q, pad - 4, pad + q * px + px / 2);
                for (k = 0; k < T; k++) {
                  ctx.save();
                  ctx.translate(pad + k * px + px / 2, pad - 4);
                  ctx.rotate(-Math.PI / 2);
                  ctx.textAlign = 'left';
                  ctx.fillText(k + ' ' + D.tokens[k], 0, 0);
                  ctx.restore();
                }
                focus = { l: l, h: h, pad: pad, px: px };
                overlay.hidden = false;
              }
              function close() { overlay.hidden = true; focus = null; hideTip(); if (location.hash) history.replaceState(null, '', location.pathname + location.search); }
              fc.addEventListener('mousemove', function (e) {
                if (!focus) return;
                var r = fc.getBoundingClientRect();
                showTip(e, focus.l, focus.h, Math.floor((e.clientY - r.top - focus.pad) / focus.px), Math.floor((e.clientX - r.left - focus.pad) / focus.px));
              });
              fc.addEventListener('mouseleave', hideTip);
              document.getElementById('close').addEventListener('click', close);
              overlay.addEventListener('click', function (e) { if (e.target === overlay) close(); });
              document.addEventListener('keydown', function (e) { if (e.key === 'Escape') close(); });
              function fromHash() {
                var m = /^#L(\\d+)H(\\d+)$/.exec(location.hash);
                if (m && +m[1] < L && +m[2] < H) open(+m[1], +m[2]);
              }
              window.addEventListener('hashchange', fromHash);
              fromHash();
              document.body.dataset.heads = String(grid.querySelectorAll('.head canvas').length);
            })();
            </script>
            </body>
            </html>
            """;
}
