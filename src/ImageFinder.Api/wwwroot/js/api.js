// Calls to the ImageFinder API, shared by the pages. Errors become ApiError carrying the ProblemDetails
// title and detail, so the pages can show them as they are.

export class ApiError extends Error {
  constructor(title, detail, status) {
    super(detail ? `${title}: ${detail}` : title);
    this.title = title;
    this.detail = detail;
    this.status = status;
  }
}

async function readProblem(response) {
  let title = `${response.status} ${response.statusText || 'error'}`.trim();
  let detail = '';
  const type = response.headers.get('content-type') || '';
  if (type.includes('json')) {
    try {
      const problem = await response.json();
      title = problem.title || title;
      detail = problem.detail || '';
    } catch {
      // Not JSON after all: keep the status line.
    }
  } else if (response.status === 413) {
    title = 'Upload too large';
  }
  return new ApiError(title, detail, response.status);
}

/** Sends a request and returns { status, body, response }; throws ApiError for 4xx/5xx and network failures. */
export async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' }, ...options });
  } catch (e) {
    throw new ApiError('The server could not be reached', String(e.message || e), 0);
  }
  if (!response.ok) {
    throw await readProblem(response);
  }
  const body = response.status === 204 ? null : await response.json();
  return { status: response.status, body, response };
}

/**
 * The server's own time from a search answer's Server-Timing header, e.g. "decode 4.2 ms · inference 38.0 ms ·
 * knn 6.1 ms"; empty when the answer has none.
 */
export function serverTiming(response) {
  const header = response && response.headers.get('server-timing');
  if (!header) return '';
  const parts = [];
  for (const metric of header.split(',')) {
    const [name, ...parameters] = metric.trim().split(';');
    const duration = parameters.map((p) => p.trim()).find((p) => p.startsWith('dur='));
    if (name && duration) parts.push(`${name} ${Number(duration.slice(4)).toFixed(1)} ms`);
  }
  return parts.join(' · ');
}

/** Query parameters for k, maxDistance and the label filter (any of labels); empty values are left out. */
export function searchParameters(k, maxDistance, labels = []) {
  const parameters = new URLSearchParams();
  if (k !== '' && k !== null && k !== undefined) parameters.set('k', k);
  if (maxDistance !== '' && maxDistance !== null && maxDistance !== undefined) parameters.set('maxDistance', maxDistance);
  for (const label of labels) parameters.append('label', label);
  return parameters;
}

export function searchFile(file, k, maxDistance, labels = []) {
  const form = new FormData();
  form.append('file', file, file.name || 'image');
  return call(`search?${searchParameters(k, maxDistance, labels)}`, { method: 'POST', body: form });
}

export function searchUrl(url, k, maxDistance, labels = []) {
  const body = { url };
  if (k !== '') body.k = Number(k);
  if (maxDistance !== '') body.maxDistance = Number(maxDistance);
  if (labels.length > 0) body.label = labels;
  return call('search/url', {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export function similar(id, k, maxDistance, labels = []) {
  return call(`images/${encodeURIComponent(id)}/similar?${searchParameters(k, maxDistance, labels)}`);
}

/** The collection's labels with their counts: { labels: [{ label, count }], unlabelled }. */
export function labels() {
  return call('labels');
}

export function thumbnail(id, size) {
  return `images/${encodeURIComponent(id)}/file?size=${size}`;
}

export function original(id) {
  return `images/${encodeURIComponent(id)}/file`;
}

export function showError(element, error) {
  element.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = error instanceof ApiError ? error.title : 'Something went wrong';
  element.append(title);
  const detail = error instanceof ApiError ? error.detail : String(error && error.message ? error.message : error);
  if (detail) {
    const text = document.createElement('span');
    text.textContent = detail;
    element.append(text);
  }
  element.hidden = false;
}

export function clearError(element) {
  element.hidden = true;
  element.replaceChildren();
}
