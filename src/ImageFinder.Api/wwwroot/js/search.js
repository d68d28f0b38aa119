// The search page: a file (dropped or chosen) or an image URL is sent to the API, and the nearest images
// come back as a grid of thumbnails. "More like this" searches with a stored image.
import { call, clearError, labels, original, searchFile, searchUrl, serverTiming, showError, similar, thumbnail } from './api.js';

const $ = (id) => document.getElementById(id);
const drop = $('drop');
const fileInput = $('file');
const urlForm = $('url-form');
const urlInput = $('url');
const kInput = $('k');
const maxDistanceInput = $('max-distance');
const labelPicker = $('labels');
const errorBox = $('error');
const statusLine = $('status');
const timingLine = $('timing');
const queryView = $('query-view');
const queryImage = $('query-image');
const queryCaption = $('query-caption');
const results = $('results');
const modelLine = $('model');

let queryObjectUrl = null;
let generation = 0;

function settings() {
  const chosen = [...labelPicker.selectedOptions].map((option) => option.value);
  return { k: kInput.value.trim(), maxDistance: maxDistanceInput.value.trim(), labels: chosen };
}

function showQuery(src, caption) {
  if (queryObjectUrl) {
    URL.revokeObjectURL(queryObjectUrl);
    queryObjectUrl = null;
  }
  if (src) {
    queryImage.src = src;
    queryImage.hidden = false;
  } else {
    queryImage.removeAttribute('src');
    queryImage.hidden = true;
  }
  queryCaption.textContent = caption;
  queryView.hidden = false;
}

function fileName(source) {
  const parts = String(source).split(/[\\/]/);
  return parts[parts.length - 1] || source;
}

function renderResults(body, maxDistance) {
  results.replaceChildren();
  document.body.dataset.results = String(body.results.length);
  if (body.results.length === 0) {
    statusLine.textContent = body.match === false && maxDistance !== ''
      ? `No image is within distance ${maxDistance}.`
      : 'No results: the collection is empty.';
    return;
  }
  statusLine.textContent = `${body.results.length} result${body.results.length === 1 ? '' : 's'}, nearest first (${body.metric ? body.metric.toUpperCase() : 'L2'} distance).`;
  for (const result of body.results) {
    const item = document.createElement('li');
    item.className = 'result';
    item.dataset.id = String(result.index);

    const link = document.createElement('a');
    link.href = original(result.index);
    link.target = '_blank';
    link.rel = 'noopener';
    const image = document.createElement('img');
    image.loading = 'lazy';
    image.decoding = 'async';
    image.width = 160;
    image.height = 160;
    image.alt = result.label ? `${result.label}: ${fileName(result.source)}` : fileName(result.source);
    image.src = thumbnail(result.index, 160);
    link.append(image);

    const distance = document.createElement('span');
    distance.className = 'distance';
    distance.textContent = `distance ${Number(result.distance).toFixed(3)}`;

    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = result.label || '';

    const source = document.createElement('span');
    source.className = 'source';
    source.textContent = fileName(result.source);
    source.title = result.source;

    const more = document.createElement('button');
    more.type = 'button';
    more.className = 'secondary more';
    more.textContent = 'More like this';
    more.addEventListener('click', () => moreLikeThis(result.index, result.source));

    item.append(link, distance, label, source, more);
    results.append(item);
  }
}

async function run(request) {
  const mine = ++generation;
  clearError(errorBox);
  statusLine.textContent = 'Searching…';
  timingLine.hidden = true;
  document.body.dataset.state = 'searching';
  try {
    const { body, response } = await request();
    if (mine !== generation) return;
    showModel(body.model);
    renderResults(body, settings().maxDistance);
    const timing = serverTiming(response);
    timingLine.textContent = timing ? `server: ${timing}` : '';
    timingLine.hidden = !timing;
    document.body.dataset.state = 'done';
  } catch (error) {
    if (mine !== generation) return;
    results.replaceChildren();
    statusLine.textContent = '';
    showError(errorBox, error);
    document.body.dataset.state = 'error';
  }
}

function showModel(name) {
  if (!name) return;
  modelLine.textContent = `model: ${name}`;
  modelLine.classList.toggle('warning', name.includes('NOT ResNet-50'));
  modelLine.hidden = false;
}

function searchWithFile(file) {
  if (!file) return;
  const { k, maxDistance, labels: chosen } = settings();
  const objectUrl = URL.createObjectURL(file);
  showQuery(objectUrl, `${file.name || 'pasted image'} (${Math.round(file.size / 1024)} KB)`);
  queryObjectUrl = objectUrl;
  run(() => searchFile(file, k, maxDistance, chosen));
}

function searchWithUrl(url) {
  const { k, maxDistance, labels: chosen } = settings();
  // The page only loads images from this server (its content security policy), so the URL is shown as text.
  showQuery(null, `URL: ${url} (fetched by the server)`);
  run(() => searchUrl(url, k, maxDistance, chosen));
}

function moreLikeThis(id, source) {
  const { k, maxDistance, labels: chosen } = settings();
  showQuery(thumbnail(id, 320), `More like image ${id}${source ? `: ${fileName(source)}` : ''}`);
  history.replaceState(null, '', `?similar=${encodeURIComponent(id)}`);
  run(() => similar(id, k, maxDistance, chosen));
}

fileInput.addEventListener('change', () => {
  searchWithFile(fileInput.files[0]);
  fileInput.value = '';
});

for (const type of ['dragenter', 'dragover']) {
  drop.addEventListener(type, (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
}
for (const type of ['dragleave', 'drop']) {
  drop.addEventListener(type, () => drop.classList.remove('over'));
}
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  const file = [...(event.dataTransfer?.files || [])].find((f) => f.type.startsWith('image/')) || event.dataTransfer?.files[0];
  if (file) {
    searchWithFile(file);
  } else {
    const text = event.dataTransfer?.getData('text/uri-list') || event.dataTransfer?.getData('text/plain');
    if (text) {
      urlInput.value = text.trim();
      searchWithUrl(text.trim());
    }
  }
});
drop.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    fileInput.click();
  }
});
document.addEventListener('paste', (event) => {
  const file = [...(event.clipboardData?.files || [])].find((f) => f.type.startsWith('image/'));
  if (file) {
    event.preventDefault();
    searchWithFile(file);
  }
});

urlForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const url = urlInput.value.trim();
  if (url) searchWithUrl(url);
});

// index.html?similar=ID (the map links here): start with "more like this" for that image.
const start = new URLSearchParams(location.search).get('similar');
if (start && /^\d+$/.test(start)) {
  moreLikeThis(Number(start), '');
}

// The label picker: every folder of the collection with its image count (none chosen: every image).
function showLabels(body) {
  const options = body.labels.map(({ label, count }) => {
    const option = document.createElement('option');
    option.value = label;
    option.textContent = `${label} (${count})`;
    return option;
  });
  labelPicker.replaceChildren(...options);
  labelPicker.closest('label').hidden = options.length === 0;
}
labels().then(({ body }) => showLabels(body)).catch(() => {});

// The model's name, before any search.
call('health').then(({ body }) => showModel(body.model)).catch(() => {});
document.body.dataset.ready = 'true';
