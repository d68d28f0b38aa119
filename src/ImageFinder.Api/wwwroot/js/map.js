// The map page: GET /map lays out every stored embedding in 2D or 3D (PCA or t-SNE); points are coloured by
// label (the folder of the source file). Hovering shows the thumbnail; clicking opens "more like this".
import { call, clearError, showError, thumbnail } from './api.js';

const $ = (id) => document.getElementById(id);
const methodSelect = $('method');
const dimensionsSelect = $('dimensions');
const errorBox = $('error');
const statusLine = $('status');
const plot = $('plot');
const preview = $('preview');
const previewImage = $('preview-image');
const previewCaption = $('preview-caption');

// SVG draws every point as an element (exact hover, fine up to a few thousand); above that WebGL.
const SVG_LIMIT = 5000;
let generation = 0;
let retryTimer = null;

function readSettings() {
  const parameters = new URLSearchParams(location.search);
  const method = parameters.get('method');
  const dimensions = parameters.get('dimensions');
  if (method === 'pca' || method === 'tsne') methodSelect.value = method;
  if (dimensions === '2' || dimensions === '3') dimensionsSelect.value = dimensions;
}

function groupByLabel(points) {
  const groups = new Map();
  for (const point of points) {
    const label = point.label ?? '(no folder)';
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(point);
  }
  return [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

function axisTitle(map, index) {
  const names = map.method === 'pca' ? ['PC1', 'PC2', 'PC3'] : ['t-SNE 1', 't-SNE 2', 't-SNE 3'];
  const share = map.explainedVariance?.[index];
  return share ? `${names[index]} (${(share * 100).toFixed(1)} %)` : names[index];
}

function draw(map) {
  const three = map.dimensions === 3;
  const type = three ? 'scatter3d' : map.points.length > SVG_LIMIT ? 'scattergl' : 'scatter';
  const traces = groupByLabel(map.points).map(([label, points]) => {
    const trace = {
      type,
      mode: 'markers',
      name: label,
      x: points.map((p) => p.x),
      y: points.map((p) => p.y),
      customdata: points.map((p) => p.id),
      text: points.map((p) => `${label} · image ${p.id}`),
      hoverinfo: 'text',
      marker: { size: three ? 3 : 7, opacity: 0.85 },
    };
    if (three) trace.z = points.map((p) => p.z);
    return trace;
  });
  const layout = {
    margin: { l: 40, r: 10, t: 10, b: 40 },
    hovermode: 'closest',
    legend: { itemsizing: 'constant' },
    uirevision: `${map.method}-${map.dimensions}`,
  };
  if (three) {
    layout.scene = {
      xaxis: { title: { text: axisTitle(map, 0) } },
      yaxis: { title: { text: axisTitle(map, 1) } },
      zaxis: { title: { text: axisTitle(map, 2) } },
    };
  } else {
    layout.xaxis = { title: { text: axisTitle(map, 0) }, zeroline: false };
    layout.yaxis = { title: { text: axisTitle(map, 1) }, zeroline: false };
  }
  return window.Plotly.react(plot, traces, layout, { responsive: true, displaylogo: false }).then(() => {
    plot.removeAllListeners?.('plotly_hover');
    plot.removeAllListeners?.('plotly_click');
    plot.on('plotly_hover', (event) => {
      const point = event.points?.[0];
      if (!point) return;
      previewImage.src = thumbnail(point.customdata, 160);
      previewImage.alt = point.text;
      previewCaption.textContent = point.text;
      preview.hidden = false;
    });
    plot.on('plotly_click', (event) => {
      const point = event.points?.[0];
      if (point) location.href = `./?similar=${encodeURIComponent(point.customdata)}`;
    });
  });
}

async function load() {
  const mine = ++generation;
  clearTimeout(retryTimer);
  clearError(errorBox);
  const method = methodSelect.value;
  const dimensions = dimensionsSelect.value;
  history.replaceState(null, '', `?method=${method}&dimensions=${dimensions}`);
  document.body.dataset.state = 'loading';
  statusLine.textContent = 'Loading the map…';
  try {
    const { status, body, response } = await call(`map?method=${method}&dimensions=${dimensions}`);
    if (mine !== generation) return;
    if (status === 202) {
      const seconds = Number(response.headers.get('retry-after')) || 2;
      statusLine.textContent = `${body.detail || 'The map is being computed.'} Retrying in ${seconds} s…`;
      document.body.dataset.state = 'computing';
      retryTimer = setTimeout(load, seconds * 1000);
      return;
    }
    if (!window.Plotly) {
      throw new Error('The plotting library (vendor/plotly-strict.min.js) did not load: run native/install.sh and build again.');
    }
    await draw(body);
    if (mine !== generation) return;
    const sample = body.sampled ? ` (a random sample of ${body.points.length} of ${body.total} images)` : '';
    statusLine.textContent = `${body.points.length} images${sample}, ${method === 'pca' ? 'PCA' : 't-SNE'} ${dimensions}D. Hover for a preview, click for similar images.`;
    document.body.dataset.points = String(body.points.length);
    document.body.dataset.state = 'done';
  } catch (error) {
    if (mine !== generation) return;
    statusLine.textContent = '';
    showError(errorBox, error);
    document.body.dataset.state = 'error';
  }
}

readSettings();
methodSelect.addEventListener('change', load);
dimensionsSelect.addEventListener('change', load);
// Plotly is loaded with "defer"; module scripts run after deferred classic scripts, so it is there by now.
load();
