#!/usr/bin/env bash
# Renders an `rlvr report` page in headless Chromium (Debian's `chromium` package): no console errors,
# the charts' SVG paths in the rendered DOM, the sample filter working, and a screenshot.
#
#   bash scripts/check_report_in_browser.sh RUN/report.html [screenshot.png]
set -euo pipefail
page=$(realpath "$1")
shot=${2:-${page%.html}.png}
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "no chromium (apt-get install chromium)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" --enable-logging=stderr --v=0)
# The filter test: choose the first verifier in the page's select and count the rows left.
cat > "$work/probe.html" <<HTML
<!DOCTYPE html><html><body><iframe id="f" src="file://$page" width="1200" height="800"></iframe><script>
document.getElementById('f').onload = function () {
  var d = this.contentDocument, rows = d.querySelectorAll('#samples tr[data-verifier]'), select = d.getElementById('verifier');
  var out = {paths: d.querySelectorAll('svg path.series').length, charts: d.querySelectorAll('svg.chart').length, rows: rows.length, shown: null};
  if (select && select.options.length > 1) {
    select.value = select.options[1].value; select.onchange();
    out.verifier = select.value; out.shown = Array.prototype.filter.call(rows, function (r) { return r.style.display !== 'none'; }).length;
    out.expected = Array.prototype.filter.call(rows, function (r) { return r.dataset.verifier === select.value; }).length;
  }
  document.title = JSON.stringify(out);
};
</script></body></html>
HTML
"$browser" "${flags[@]}" --allow-file-access-from-files --virtual-time-budget=5000 --dump-dom "file://$work/probe.html" > "$work/dom.html" 2> "$work/probe.log" || true
"$browser" "${flags[@]}" --window-size=1280,1600 --screenshot="$shot" "file://$page" 2> "$work/page.log" || true
result=$(sed -n 's:.*<title>\(.*\)</title>.*:\1:p' "$work/dom.html" | sed 's/&quot;/"/g')
errors=$(grep -h -E 'CONSOLE|Uncaught' "$work/probe.log" "$work/page.log" | grep -v -i 'devtools' || true)
echo "rendered: $result"
echo "screenshot: $shot ($(stat -c %s "$shot" 2>/dev/null || echo 0) bytes)"
status=0
[ -z "$errors" ] || { echo "console errors:"; echo "$errors"; status=1; }
python3 - "$result" <<'PY' || status=1
import json, sys
r = json.loads(sys.argv[1])
ok = r["paths"] > 0 and r["charts"] > 0 and (r["shown"] is None or r["shown"] == r["expected"])
print(("ok: " if ok else "FAILED: ") + f"{r['charts']} charts with {r['paths']} series paths, {r['rows']} sample rows"
      + ("" if r["shown"] is None else f"; filter verifier={r['verifier']} shows {r['shown']} of the {r['expected']} expected"))
sys.exit(0 if ok else 1)
PY
exit $status
