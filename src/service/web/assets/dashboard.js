/* global document, window, echarts, ethers */
/**
 * The dashboard's browser script, served as is (no build step):
 *  - draws every [data-chart] element from the ECharts option in its JSON <script>;
 *  - on the overview (<body data-live>), polls the overview JSON and swaps in the sections the
 *    server rendered, and moves the supply chart's "you are here" points;
 *  - on a settlement, checks a Merkle proof here, with ethers' keccak256 and ABI coder:
 *      leaf = keccak256(keccak256(abi.encode(['string', 'uint256'], [recipient, amount])))
 *      node = keccak256(concat(sorted(a, b)))        (OpenZeppelin standard-v1)
 */
'use strict';

function drawCharts() {
  var charts = {};
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || typeof echarts === 'undefined') return;
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(JSON.parse(source.textContent));
    charts[el.id] = chart;
  });
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (id) {
      charts[id].resize();
    });
  });
  document.body.dataset.charts = String(Object.keys(charts).length);
  return charts;
}

function poll(url, everyMs, charts) {
  function once() {
    fetch(url, { cache: 'no-store' })
      .then(function (res) {
        if (!res.ok) throw new Error(url + ': HTTP ' + res.status);
        return res.json();
      })
      .then(function (o) {
        Object.keys(o.sections).forEach(function (name) {
          var el = document.querySelector('[data-section="' + name + '"]');
          if (el && el.innerHTML !== o.sections[name]) el.innerHTML = o.sections[name];
        });
        var supply = charts['chart-supply'];
        if (supply) {
          var series = supply.getOption().series;
          supply.setOption({ series: series.map(function (s, i) { return i === series.length - 1 ? { data: o.here } : {}; }) });
        }
        document.body.dataset.lastTick = String(o.lastTick);
        document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || '0') + 1);
        delete document.body.dataset.refreshError;
      })
      .catch(function (error) {
        // Shown, not thrown: the page keeps its last figures while the service is away.
        document.body.dataset.refreshError = String(error && error.message);
      })
      .then(function () {
        setTimeout(once, everyMs);
      });
  }
  setTimeout(once, everyMs);
}

var HASH32 = /^0x[0-9a-fA-F]{64}$/;
var UINT = /^(0|[1-9][0-9]*)$/;

/** true when the leaf and proof hash up to root; throws on malformed input. */
function verifyProof(root, recipient, amount, proof) {
  if (!HASH32.test(root)) throw new Error('root is not a 32-byte hex hash');
  if (!UINT.test(amount)) throw new Error('amount must be a whole number of base units');
  if (!Array.isArray(proof) || !proof.every(function (h) { return typeof h === 'string' && HASH32.test(h); })) throw new Error('proof must be a JSON array of 0x-prefixed 32-byte hashes');
  var encoded = ethers.AbiCoder.defaultAbiCoder().encode(['string', 'uint256'], [recipient, BigInt(amount)]);
  var node = ethers.keccak256(ethers.keccak256(encoded));
  proof.forEach(function (sibling) {
    var a = node.toLowerCase();
    var b = sibling.toLowerCase();
    node = ethers.keccak256(ethers.concat(a <= b ? [a, b] : [b, a]));
  });
  return node.toLowerCase() === root.toLowerCase();
}

function proofForm() {
  var form = document.getElementById('proof-form');
  var out = document.getElementById('proof-result');
  if (!form || !out) return;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var data = new window.FormData(form);
    var verdict;
    try {
      var proof = JSON.parse(String(data.get('proof')));
      verdict = verifyProof(String(data.get('root')), String(data.get('recipient')), String(data.get('amount')).trim(), proof) ? 'valid' : 'invalid';
      out.textContent = verdict === 'valid' ? 'Valid: this leaf and proof hash to the settlement’s root (checked in your browser).' : 'Invalid: this leaf and proof do not hash to the settlement’s root.';
    } catch (error) {
      verdict = 'error';
      out.textContent = 'Cannot check: ' + (error instanceof SyntaxError ? 'the proof is not JSON' : error.message);
    }
    out.dataset.verdict = verdict;
    out.className = verdict === 'valid' ? 'good' : 'bad';
  });
}

var charts = drawCharts();
if (document.body.dataset.live) poll(document.body.dataset.live, Number(document.body.dataset.pollMs || '2000'), charts);
proofForm();
