/*
 * leaktap web page. Plain JavaScript, no libraries, nothing fetched from
 * elsewhere: the page runs under Content-Security-Policy "default-src 'self'",
 * so there is no inline script or style and no eval. Every value from the
 * device goes into the page through textContent, never as HTML.
 *
 * The API is docs/api.md: a session cookie set by /api/login, the CSRF token
 * from the login (or /api/session after a reload) sent as X-CSRF-Token on
 * every state-changing request, 401 -> back to the login form, 400 answers
 * with "field" shown next to that field.
 */
'use strict';

const POLL_STATUS_MS = 3000;
const POLL_ALERTS_MS = 5000;

const S = {
	csrf: '',
	view: '',
	cfg: null,        /* last configuration document from the device */
	alerts: [],
	sel: null,        /* alert_id shown in the detail view */
	timers: [],
	statusDone: false /* first status render, for the load-time figure */
};

const $ = (sel, root) => (root || document).querySelector(sel);
const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

/* Build an element; children are nodes or strings (text, never HTML). */
function el(tag, attrs, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (k === 'class') {
			e.className = v;
		} else if (k.startsWith('on')) {
			e.addEventListener(k.slice(2), v);
		} else if (v !== null && v !== undefined && v !== false) {
			e.setAttribute(k, v === true ? '' : v);
		}
	}
	for (const k of kids) {
		if (k !== null && k !== undefined) {
			e.append(k instanceof Node ? k : String(k));
		}
	}
	return e;
}

function setText(id, v) {
	const e = document.getElementById(id);
	if (e) {
		e.textContent = v === null || v === undefined ? '—' : String(v);
	}
}

/* ---- formatting ---------------------------------------------------------- */

function fmtInt(n) {
	return typeof n === 'number' ? n.toLocaleString('en-US') : '—';
}

function fmtMB(bytes) {
	return typeof bytes === 'number' ? (bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1) : '—';
}

function fmtDur(s) {
	if (typeof s !== 'number') {
		return '—';
	}
	const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24;
	const m = Math.floor(s / 60) % 60, sec = Math.floor(s % 60);
	if (d > 0) {
		return `${d}d ${h}h ${m}m`;
	}
	return h > 0 ? `${h}h ${m}m` : `${m}m ${sec}s`;
}

function fmtTime(ts) {
	const d = new Date(ts);
	if (!ts || isNaN(d)) {
		return ts || '—';
	}
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
		`${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/* Bytes per interval to a bit rate people know from their internet contract. */
function fmtRate(bytes, interval) {
	const bps = bytes * 8 / (interval || 60);
	if (bps >= 1e6) {
		return (bps / 1e6).toFixed(1) + ' Mbit/s';
	}
	return bps >= 1e3 ? (bps / 1e3).toFixed(0) + ' kbit/s' : bps.toFixed(0) + ' bit/s';
}

/* ---- API ----------------------------------------------------------------- */

class ApiError extends Error {
	constructor(status, body) {
		super((body && body.error) || `HTTP ${status}`);
		this.status = status;
		this.body = body || {};
	}
}

async function api(method, path, body) {
	const h = {};
	if (body !== undefined) {
		h['Content-Type'] = 'application/json';
	}
	if (method !== 'GET' && S.csrf) {
		h['X-CSRF-Token'] = S.csrf;
	}
	let r;
	try {
		r = await fetch(path, {
			method, headers: h, credentials: 'same-origin', cache: 'no-store',
			body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body))
		});
	} catch (e) {
		banner('The appliance does not answer (' + e.message + ').');
		throw new ApiError(0, {error: 'no answer from the appliance'});
	}
	banner('');
	let data = null;
	if ((r.headers.get('Content-Type') || '').includes('json')) {
		data = await r.json().catch(() => null);
	}
	if (r.ok) {
		return data || {};
	}
	if (r.status === 401 && path !== '/api/login' && path !== '/api/session') {
		showLogin('Your session ended: please log in again.');
	} else if (r.status === 403 && data && data.error === 'password change required') {
		show('pwchange');
	}
	throw new ApiError(r.status, data);
}

function banner(msg) {
	const b = $('#banner');
	b.textContent = msg;
	b.hidden = !msg;
}

/* ---- field errors -------------------------------------------------------- */

function clearErrors(form) {
	$$('[data-err]', form).forEach((e) => { e.textContent = ''; });
	$$('.bad', form).forEach((e) => e.classList.remove('bad'));
	$$('[data-ok]', form).forEach((e) => { e.textContent = ''; });
}

/*
 * Show {field: message} next to each field. The device names array items
 * ("local_nets[2]"): they go to the array's field. A field the form does
 * not have goes to the form's general slot, so no message is ever lost.
 */
function showErrors(form, errs) {
	for (const [field, msg] of Object.entries(errs)) {
		const base = field.replace(/\[\d+\]$/, '');
		const slot = $(`[data-err="${base}"]`, form) || $('[data-err="_form"]', form) ||
			$('[data-err]', form);
		const input = form.elements[base];
		if (input && input.classList) {
			input.classList.add('bad');
		}
		if (slot) {
			slot.textContent = slot.textContent ? slot.textContent + ' ' + msg : msg;
		}
	}
}

/* A failed request's errors for showErrors(): per field when the device says which. */
function errorsOf(e) {
	const b = e.body || {};
	if (b.errors && typeof b.errors === 'object' && Object.keys(b.errors).length) {
		const out = {};
		for (const [k, v] of Object.entries(b.errors)) {
			out[k] = `${k}: ${v}`;
		}
		return out;
	}
	return {[b.field || '_form']: e.message};
}

function ok(form, msg) {
	const o = $('[data-ok]', form);
	if (o) {
		o.textContent = msg;
	}
}

/* ---- views --------------------------------------------------------------- */

const VIEWS = ['status', 'alerts', 'policy', 'destinations', 'network', 'system'];

function stopTimers() {
	S.timers.forEach(clearInterval);
	S.timers = [];
}

function show(view) {
	$$('.view').forEach((v) => { v.hidden = v.id !== 'v-' + view; });
	$$('#nav a').forEach((a) => a.classList.toggle('on', a.dataset.view === view));
	$('#nav').hidden = view === 'login' || view === 'pwchange';
	S.view = view;
	stopTimers();
}

function showLogin(msg) {
	S.csrf = '';
	show('login');
	const f = $('#f-login');
	clearErrors(f);
	if (msg) {
		showErrors(f, {password: msg});
	}
	$('#login-pw').focus();
}

async function route() {
	const view = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'status';
	show(view);
	/* The status poll also keeps the unacknowledged count in the menu current. */
	S.timers.push(setInterval(pollStatus, POLL_STATUS_MS));
	try {
		await LOAD[view]();
	} catch (e) {
		if (e.status !== 401) {
			banner(e.message);
		}
	}
}

/* ---- status -------------------------------------------------------------- */

async function pollStatus() {
	let st;
	try {
		st = await api('GET', '/api/status');
	} catch (e) {
		return;
	}
	const b = $('#nav-unacked');
	const n = st.alerts ? st.alerts.unacked : 0;
	b.textContent = n;
	b.hidden = !n;
	if (S.view === 'status') {
		renderStatus(st);
	}
}

function portCell(p, key, f) {
	if (!p) {
		return '—';
	}
	if (key === 'link') {
		return el('span', {class: p.link ? 'up' : 'down'}, p.link ? 'up' : 'down');
	}
	if (key === 'speed_mbps') {
		return p.speed_mbps === null ? 'n/a' : p.speed_mbps + ' Mbit/s';
	}
	return f(p[key]);
}

function renderPorts(ports) {
	const rows = [['Link', 'link'], ['Speed', 'speed_mbps'], ['Frames in', 'rx_frames'],
		['Frames out', 'tx_frames'], ['MB in', 'rx_bytes', fmtMB], ['MB out', 'tx_bytes', fmtMB],
		['Errors', 'tx_errors'], ['Drops', 'drops']];
	const p = ports || {};
	$('#st-ports').replaceChildren(...rows.map(([name, key, f]) => el('tr', {},
		el('th', {}, name),
		el('td', {class: 'num', 'data-k': 'lan.' + key}, portCell(p.lan, key, f || fmtInt)),
		el('td', {class: 'num', 'data-k': 'wan.' + key}, portCell(p.wan, key, f || fmtInt)))));
}

function renderStatus(st) {
	setText('st-mode', st.mode);
	setText('st-uptime', fmtDur(st.uptime_s));
	setText('st-version', `${st.version || '?'} (${st.board || '?'})`);
	const m = st.mgmt;
	setText('st-ip', m ? `${m.address || 'none yet'}${m.dhcp ? ' (DHCP)' : ''}` : 'no management stack');
	// Each LED is {pattern, lit} (and causes for the fault LED); see docs/leds.md.
	const leds = st.leds ? Object.entries(st.leds).map(([k, v]) => {
		const pat = v && typeof v === 'object' ? v.pattern : v;
		const why = v && Array.isArray(v.causes) && v.causes.length ? ` (${v.causes.join(', ')})` : '';
		return el('span', {class: 'led ' + pat, 'data-led': k}, `${k}: ${pat}${why}`);
	}) : ['not reported'];
	$('#st-leds').replaceChildren(...leds);
	renderPorts(st.ports);
	const fl = st.flows || {};
	setText('st-flows', fmtInt(fl.active));
	setText('st-flows-peak', fmtInt(fl.peak));
	setText('st-hosts', fmtInt(fl.hosts));
	setText('st-blocked', fmtInt(st.engine ? st.engine.blocked : null));
	setText('st-alerts', st.alerts ? `${st.alerts.total} (${st.alerts.unacked})` : null);
	const top = fl.top || [];
	$('#st-top').replaceChildren(...(top.length ? top.map((f) => el('tr', {},
		el('td', {}, `${f.src_ip}:${f.src_port}`),
		el('td', {}, `${f.dst_ip}:${f.dst_port} ${f.l4}`), el('td', {}, f.app),
		el('td', {class: 'num'}, fmtMB(f.bytes_out)), el('td', {class: 'num'}, fmtMB(f.bytes_in)))) :
		[el('tr', {}, el('td', {colspan: 5, class: 'muted'}, 'none'))]));
	const q = st.quarantines || [];
	$('#st-quar').replaceChildren(...(q.length ? q.map((x) => el('tr', {},
		el('td', {}, x.lan_ip), el('td', {}, x.remote_name || x.remote_ip),
		el('td', {}, fmtDur(x.remaining_s)), el('td', {}, '#' + x.alert_id))) :
		[el('tr', {}, el('td', {colspan: 4, class: 'muted'}, 'none'))]));
	drawGraph(st.throughput);
	setText('st-updated', 'updated ' + new Date().toLocaleTimeString());
	if (!S.statusDone) {
		S.statusDone = true;
		performance.mark('status-rendered');
		document.body.dataset.statusReady = '1';
	}
}

const SVGNS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
	const e = document.createElementNS(SVGNS, tag);
	for (const [k, v] of Object.entries(attrs)) {
		e.setAttribute(k, v);
	}
	if (text !== undefined) {
		e.textContent = text;
	}
	return e;
}

/*
 * The hour as two lines over a 600x160 box: one x step per sample slot of
 * the hour (60), newest at the right edge, so a fresh boot fills in from the
 * right as time passes. The y scale is the larger series' maximum.
 */
function drawGraph(t) {
	const g = $('#graph');
	const W = 600, H = 160, SLOTS = 60, TOP = 4;
	const tin = (t && t.in) || [], tout = (t && t.out) || [];
	const max = Math.max(1, ...tin, ...tout);
	const line = (arr, cls) => {
		const x0 = W - (arr.length - 1) * (W / (SLOTS - 1));
		const pts = arr.map((v, i) =>
			`${(x0 + i * W / (SLOTS - 1)).toFixed(1)},${(H - (v / max) * (H - TOP)).toFixed(1)}`);
		return svg('polyline', {class: cls, points: pts.join(' ')});
	};
	const kids = [];
	for (let i = 0; i <= 2; i++) {
		const y = TOP + i * (H - TOP) / 2;
		kids.push(svg('line', {class: 'g-grid', x1: 0, x2: W, y1: y, y2: y}));
	}
	if (tin.length > 1) {
		kids.push(line(tin, 'g-in'));
	}
	if (tout.length > 1) {
		kids.push(line(tout, 'g-out'));
	}
	g.replaceChildren(...kids);
	const last = (a) => a.length ? fmtRate(a[a.length - 1], t.interval_s) : '—';
	/* Text lives outside the SVG: the box is stretched to the card's width, text would be too. */
	setText('graph-peak', 'top line = ' + fmtRate(max, t && t.interval_s));
	setText('graph-note', tin.length < 2 ? 'Collecting samples (one a minute)…' :
		`last minute: in ${last(tin)}, out ${last(tout)}; ${tin.length} min shown`);
}

/* ---- alerts -------------------------------------------------------------- */

function alertQuery() {
	const f = $('#f-afilter');
	const q = new URLSearchParams();
	for (const n of ['lan', 'remote', 'kind', 'video', 'action', 'acked']) {
		const v = f.elements[n].value.trim();
		if (v) {
			q.set(n, v);
		}
	}
	return q.toString();
}

async function loadAlerts() {
	const f = $('#f-afilter');
	const q = alertQuery();
	$('#exp-csv').href = '/api/alerts.csv' + (q ? '?' + q : '');
	$('#exp-json').href = '/api/alerts.json' + (q ? '?' + q : '');
	let r;
	try {
		r = await api('GET', '/api/alerts' + (q ? '?' + q : ''));
	} catch (e) {
		clearErrors(f);
		showErrors(f, errorsOf(e));
		return;
	}
	clearErrors(f);
	S.alerts = r.alerts || [];
	setText('al-count', `${r.count} shown, ${r.total} kept, ${r.unacked} new`);
	$('#al-rows').replaceChildren(...(S.alerts.length ? S.alerts.map(alertRow) :
		[el('tr', {}, el('td', {colspan: 8, class: 'muted'}, 'no alerts'))]));
	if (S.sel !== null) {
		const a = S.alerts.find((x) => x.alert_id === S.sel);
		if (a) {
			renderDetail(a);
		}
	}
}

function alertRow(a) {
	const cls = ['click', a.acked ? '' : 'new', a.alert_id === S.sel ? 'sel' : ''].join(' ');
	return el('tr', {class: cls, 'data-id': a.alert_id, onclick: () => openDetail(a.alert_id)},
		el('td', {}, fmtTime(a.ts)),
		el('td', {}, a.lan_ip),
		el('td', {}, a.remote_name ? `${a.remote_name} (${a.remote_ip})` : a.remote_ip),
		el('td', {class: 'hide-sm'}, a.app),
		el('td', {}, a.kind === 'bulk' ? 'bulk' : (a.video || a.kind)),
		el('td', {class: 'num'}, fmtMB(a.bytes_out)),
		el('td', {}, a.action),
		/* On a phone the row itself is the way to the details: the column goes. */
		el('td', {class: 'hide-sm'}, el('button', {type: 'button', class: 'link'}, 'details')));
}

const DETAIL = [['first_ts', 'First seen', fmtTime], ['ts', 'Last update', fmtTime],
	['lan_ip', 'LAN host'], ['lan_mac', 'LAN MAC'], ['remote_name', 'Remote name'],
	['remote_ip', 'Remote IP'], ['remote_port', 'Remote port'], ['l4', 'Transport'],
	['app', 'Application'], ['kind', 'Kind'], ['video', 'Video'], ['evidence', 'Evidence'],
	['bytes_out', 'MB sent', fmtMB], ['action', 'Action'], ['codec', 'Codec'],
	['resolution', 'Resolution'], ['duration_s', 'Duration (s)'], ['file', 'File'],
	['fingerprint', 'Fingerprint (SHA-256 of first 64 KiB)'], ['update', 'Updates'],
	['acked', 'Acknowledged', (v) => v ? 'yes' : 'no']];

async function openDetail(id) {
	S.sel = id;
	let a = S.alerts.find((x) => x.alert_id === id);
	try {
		const r = await api('GET', '/api/alerts?id=' + encodeURIComponent(id));
		a = (r.alerts && r.alerts[0]) || a;
	} catch (e) {
		/* keep the list's copy */
	}
	$$('#al-rows tr').forEach((tr) => tr.classList.toggle('sel', tr.dataset.id === String(id)));
	if (a) {
		renderDetail(a);
	}
}

function renderDetail(a) {
	const d = $('#al-detail');
	setText('ad-id', '#' + a.alert_id);
	const items = [];
	for (const [k, name, f] of DETAIL) {
		if (a[k] !== undefined && a[k] !== null && a[k] !== '') {
			items.push(el('dt', {}, name), el('dd', {'data-k': k}, f ? f(a[k]) : a[k]));
		}
	}
	$('#ad-fields').replaceChildren(...items);
	$('#ad-ack').disabled = !!a.acked;
	d.hidden = false;
}

async function detailAction(fn) {
	const d = $('#al-detail');
	const slot = $('[data-err="detail"]', d);
	slot.textContent = '';
	try {
		slot.textContent = await fn();
		slot.className = 'ok';
	} catch (e) {
		slot.className = 'err';
		slot.textContent = e.message;
	}
	await loadAlerts();
}

/* ---- configuration forms ------------------------------------------------- */

function getPath(obj, path) {
	return path.split('.').reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj);
}

function setPath(obj, path, v) {
	const ks = path.split('.');
	const last = ks.pop();
	const o = ks.reduce((p, k) => (p[k] = p[k] || {}), obj);
	o[last] = v;
}

function fillForm(form, cfg) {
	for (const e of form.elements) {
		if (!e.name || e.type === 'submit') {
			continue;
		}
		const v = getPath(cfg, e.name);
		if (e.type === 'checkbox') {
			e.checked = !!v;
		} else if (Array.isArray(v)) {
			e.value = v.join('\n');
		} else {
			e.value = v === undefined || v === null ? '' : v;
		}
	}
}

/* The whole document with this form's fields replaced (PUT takes the whole document). */
function readForm(form, cfg) {
	const doc = JSON.parse(JSON.stringify(cfg));
	for (const e of form.elements) {
		if (!e.name || e.type === 'submit') {
			continue;
		}
		let v;
		if (e.type === 'checkbox') {
			v = e.checked;
		} else if (e.tagName === 'TEXTAREA') {
			v = e.value.split(/[\n,]/).map((s) => s.trim()).filter((s) => s);
		} else if (e.type === 'number') {
			v = e.value.trim() === '' ? NaN : Number(e.value);
		} else {
			v = e.value.trim();
		}
		setPath(doc, e.name, v);
	}
	return doc;
}

/* ---- validation in the page (the device validates again, and decides) ---- */

const RE_V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const RE_V6 = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/;
const RE_NAME = /^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?\.)*[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?\.?$/;
const RE_LABEL = /^(?!\d+$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

function isAddr(s) {
	return RE_V4.test(s) || (RE_V6.test(s) && s.split('::').length <= 2);
}

function isCidr(s) {
	const [a, p, extra] = s.split('/');
	if (extra !== undefined) {
		return false;
	}
	if (p === undefined) {
		return isAddr(a);
	}
	const max = RE_V4.test(a) ? 32 : 128;
	return isAddr(a) && /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= max;
}

function isHost(s) {
	return isAddr(s) || (RE_NAME.test(s) && !/\.\d+\.?$/.test('.' + s));
}

function intIn(v, lo, hi) {
	return Number.isInteger(v) && v >= lo && v <= hi;
}

function listErrors(errs, key, list, max, test, what) {
	if (list.length > max) {
		errs[key] = `${key}: at most ${max} entries`;
		return;
	}
	const seen = new Set();
	list.forEach((s, i) => {
		if (!errs[key] && !test(s)) {
			errs[key] = `${key}[${i}]: "${s}" is not ${what}`;
		} else if (!errs[key] && seen.has(s.toLowerCase())) {
			errs[key] = `${key}[${i}]: "${s}" is a duplicate`;
		}
		seen.add(s.toLowerCase());
	});
}

function validatePolicy(d) {
	const e = {};
	if (!(typeof d.threshold_mb === 'number' && d.threshold_mb >= 0 && d.threshold_mb <= 1e6)) {
		e.threshold_mb = 'threshold_mb: must be a number from 0 to 1000000';
	}
	if (!intIn(d.window_s, 1, 86400)) {
		e.window_s = 'window_s: must be an integer from 1 to 86400';
	}
	if (!intIn(d.quarantine_s, 0, 604800)) {
		e.quarantine_s = 'quarantine_s: must be an integer from 0 to 604800';
	}
	listErrors(e, 'local_nets', d.local_nets, 32, isCidr, 'a valid CIDR');
	listErrors(e, 'allow', d.allow, 128, (s) => isCidr(s) ||
		(s.startsWith('*.') ? RE_NAME.test(s.slice(2)) && s.slice(2).includes('.') : isHost(s)),
	'an address, CIDR, host name or *.suffix');
	return e;
}

function validateNetwork(d) {
	const e = {}, m = d.mgmt;
	if (m.address) {
		const [a, p] = m.address.split('/');
		if (!RE_V4.test(a) || !/^[1-9]\d?$/.test(p || '') || Number(p) > 32) {
			e['mgmt.address'] = 'mgmt.address: an IPv4 address with prefix, e.g. 192.168.1.250/24';
		}
	} else if (!m.dhcp) {
		e['mgmt.address'] = 'mgmt.address: required when DHCP is off';
	}
	if (m.gateway && !RE_V4.test(m.gateway)) {
		e['mgmt.gateway'] = 'mgmt.gateway: must be an IPv4 address';
	}
	if (m.dns && !isAddr(m.dns)) {
		e['mgmt.dns'] = 'mgmt.dns: must be an IPv4 or IPv6 address';
	}
	if (!RE_LABEL.test(m.hostname)) {
		e['mgmt.hostname'] = "mgmt.hostname: one DNS label: 1 to 63 of a-z, 0-9, '-'";
	}
	for (const k of ['mgmt.ntp', 'syslog.host', 'mqtt.host']) {
		const v = getPath(d, k);
		if (v && !isHost(v)) {
			e[k] = `${k}: not a valid host name or address`;
		}
	}
	for (const k of ['syslog.port', 'mqtt.port']) {
		if (!intIn(getPath(d, k), 1, 65535)) {
			e[k] = `${k}: must be from 1 to 65535`;
		}
	}
	const t = d.mqtt.topic_prefix;
	if (!t || t.length > 64 || t.startsWith('/') || /[+#\u0000-\u001f]/.test(t)) {
		e['mqtt.topic_prefix'] = "mqtt.topic_prefix: 1 to 64 bytes, not starting with '/', no '+' or '#'";
	}
	return e;
}

async function loadConfig(form) {
	S.cfg = await api('GET', '/api/config');
	clearErrors(form);
	fillForm(form, S.cfg);
}

async function submitConfig(form, validate) {
	clearErrors(form);
	const doc = readForm(form, S.cfg);
	const errs = validate(doc);
	if (Object.keys(errs).length) {
		showErrors(form, errs);
		return;
	}
	const btn = $('button[type=submit]', form);
	btn.disabled = true;
	try {
		const r = await api('PUT', '/api/config', doc);
		S.cfg = r.config || doc;
		fillForm(form, S.cfg);
		ok(form, 'Saved and applied.');
	} catch (e) {
		showErrors(form, errorsOf(e));
	} finally {
		btn.disabled = false;
	}
}

/* ---- destinations -------------------------------------------------------- */

async function loadDestinations() {
	const r = await api('GET', '/api/destinations');
	const list = r.destinations || [];
	$('#ds-rows').replaceChildren(...(list.length ? list.map(destRow) :
		[el('tr', {}, el('td', {colspan: 7, class: 'muted'}, 'none recorded yet'))]));
}

function destRow(d) {
	const entry = d.remote_name || d.remote_ip;
	const act = d.allowed ? el('span', {class: 'ok'}, 'allowed') : el('span', {class: 'actions'},
		el('button', {type: 'button', 'data-act': 'approve', onclick: () => destDo(
			'/api/allow', {entry})}, 'Approve'),
		el('button', {type: 'button', class: 'sec', 'data-act': 'reject', onclick: () => destDo(
			'/api/destinations/reject', {remote_ip: d.remote_ip})}, 'Reject'));
	return el('tr', {'data-ip': d.remote_ip},
		el('td', {}, d.remote_name ? `${d.remote_name} (${d.remote_ip})` : d.remote_ip,
			d.video ? el('small', {}, ' video') : null),
		el('td', {class: 'num'}, fmtMB(d.bytes)),
		el('td', {}, (d.lan_hosts || []).join(', ')),
		el('td', {}, fmtTime(d.first_seen)), el('td', {}, fmtTime(d.last_seen)),
		el('td', {}, (d.source || []).join(', ')), el('td', {}, act));
}

async function destDo(path, body) {
	const slot = $('[data-err="dest"]');
	slot.textContent = '';
	try {
		await api('POST', path, body);
	} catch (e) {
		slot.textContent = e.message;
	}
	await loadDestinations();
}

/* ---- system -------------------------------------------------------------- */

async function loadSystem() {
	const s = await api('GET', '/api/system');
	const items = [el('dt', {}, 'Version'), el('dd', {id: 'sy-version'}, s.version),
		el('dt', {}, 'Board'), el('dd', {}, s.board)];
	for (const [k, v] of Object.entries(s.build || {})) {
		items.push(el('dt', {}, k), el('dd', {}, v));
	}
	$('#sy-info').replaceChildren(...items);
	['#f-passwd', '#f-restore', '#f-reset'].forEach((f) => clearErrors($(f)));
}

/* Both password forms: the forced one after a one-time login and the System one. */
async function changePassword(form, after) {
	clearErrors(form);
	const old = form.elements.old.value, nw = form.elements.new.value;
	if (nw.length < 10 || nw.length > 128) {
		showErrors(form, {new: 'new password must be 10 to 128 characters'});
		return;
	}
	if (nw !== form.elements.new2.value) {
		showErrors(form, {new2: 'the two new passwords differ'});
		return;
	}
	try {
		await api('POST', '/api/password', {old, new: nw});
	} catch (e) {
		showErrors(form, errorsOf(e));
		return;
	}
	form.reset();
	after();
}

async function restoreConfig(form) {
	clearErrors(form);
	const file = form.elements.file.files[0];
	if (!file) {
		showErrors(form, {_form: 'choose a backup file first'});
		return;
	}
	const text = await file.text();
	try {
		if (typeof JSON.parse(text) !== 'object') {
			throw new Error('not an object');
		}
	} catch (e) {
		showErrors(form, {_form: 'the file is not a JSON configuration document'});
		return;
	}
	try {
		await api('POST', '/api/config/restore', text);
		ok(form, 'Restored and applied.');
	} catch (e) {
		showErrors(form, {_form: e.message});
	}
}

async function systemAction(path, body, form) {
	try {
		await api('POST', path, body);
		banner('The appliance is restarting. Reload this page in a minute.');
		stopTimers();
	} catch (e) {
		if (form) {
			showErrors(form, errorsOf(e));
		} else {
			banner(e.message);
		}
	}
}

/* ---- wiring -------------------------------------------------------------- */

const LOAD = {
	status: pollStatus,
	alerts: async () => {
		await loadAlerts();
		S.timers.push(setInterval(loadAlerts, POLL_ALERTS_MS));
	},
	policy: () => loadConfig($('#f-policy')),
	destinations: loadDestinations,
	network: () => loadConfig($('#f-network')),
	system: loadSystem
};

function onSubmit(sel, fn) {
	$(sel).addEventListener('submit', (ev) => {
		ev.preventDefault();
		fn(ev.target);
	});
}

function wire() {
	onSubmit('#f-login', async (f) => {
		clearErrors(f);
		try {
			const r = await api('POST', '/api/login', {password: f.elements.password.value});
			S.csrf = r.csrf;
			if (r.must_change) {
				/* Spare retyping the 16 random characters just typed. */
				$('#f-pwchange').elements.old.value = f.elements.password.value;
				f.reset();
				show('pwchange');
			} else {
				f.reset();
				route();
			}
		} catch (e) {
			showErrors(f, {password: e.body.retry_s ? `${e.message} (${e.body.retry_s} s)` :
				e.message});
		}
	});
	onSubmit('#f-pwchange', (f) => changePassword(f, route));
	onSubmit('#f-passwd', (f) => changePassword(f, () => ok(f, 'Password changed.')));
	onSubmit('#f-policy', (f) => submitConfig(f, validatePolicy));
	onSubmit('#f-network', (f) => submitConfig(f, validateNetwork));
	onSubmit('#f-afilter', () => { S.sel = null; $('#al-detail').hidden = true; loadAlerts(); });
	onSubmit('#f-restore', restoreConfig);
	onSubmit('#f-reset', (f) => {
		clearErrors(f);
		if (f.elements.confirm.value !== 'factory-reset') {
			showErrors(f, {confirm: 'type factory-reset to confirm'});
			return;
		}
		systemAction('/api/factory-reset', {confirm: 'factory-reset'}, f);
	});
	$('#sy-reboot').addEventListener('click', () => {
		if (confirm('Reboot the appliance? Traffic is bridged again once it is up.')) {
			systemAction('/api/reboot', {});
		}
	});
	$('#ack-all').addEventListener('click', async () => {
		try {
			await api('POST', '/api/alerts/ack', {all: true});
		} catch (e) {
			banner(e.message);
		}
		loadAlerts();
	});
	$('#ad-close').addEventListener('click', () => { S.sel = null; $('#al-detail').hidden = true; });
	$('#ad-ack').addEventListener('click', () => detailAction(async () => {
		await api('POST', '/api/alerts/ack', {id: S.sel});
		return 'Acknowledged.';
	}));
	$('#ad-allow').addEventListener('click', () => detailAction(async () => {
		const r = await api('POST', '/api/allow', {alert_id: S.sel});
		return r.added === false ? `${r.entry} was already allowed.` :
			`Allowed ${r.entry}: uploads to it no longer raise alerts.`;
	}));
	$('#logout').addEventListener('click', async () => {
		try {
			await api('POST', '/api/logout', {});
		} catch (e) {
			/* logged out either way */
		}
		showLogin('');
	});
	window.addEventListener('hashchange', () => {
		if (S.csrf) {
			route();
		}
	});
}

async function boot() {
	wire();
	try {
		const s = await api('GET', '/api/session');
		S.csrf = s.csrf;
		if (s.must_change) {
			show('pwchange');
		} else {
			await route();
		}
	} catch (e) {
		if (S.view !== 'login') {
			showLogin('');
		}
	}
}

document.addEventListener('DOMContentLoaded', boot);
