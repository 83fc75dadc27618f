// CaseTracker's read-only dashboard: every figure comes from the API with the reader's own token.
const $ = (id) => document.getElementById(id);
const charts = {};
let token = sessionStorage.getItem("casetracker-token") ?? "";

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw Object.assign(new Error(problem.title ?? response.statusText), { status: response.status });
  }
  return response.json();
}

function claims(jwt) {
  try {
    return JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return {};
  }
}

function say(text) { $("message").textContent = text ?? ""; }

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
  children.forEach((child) => node.append(child));
  return node;
}

const number = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });
const when = (iso) => iso ? iso.replace("T", " ").slice(0, 16) : "";

function chart(id, config) {
  charts[id]?.destroy();
  charts[id] = new window.Chart($(id), { ...config, options: { responsive: true, animation: false, ...config.options } });
}

function showTotals(stats) {
  const fentanyl = stats.seizuresGrams.fentanyl ?? 0;
  const cards = [
    ["Open cases", stats.cases.open], ["Closed cases", stats.cases.closed], ["People identified", stats.defendants],
    ["Arrests", stats.arrests], ["Fentanyl seized", `${number.format(fentanyl / 1000)} kg`],
    ["Fentanyl confirmed by laboratories", `${number.format((stats.seizuresConfirmedGrams.fentanyl ?? 0) / 1000)} kg`],
    ["Exhibit discrepancies", stats.exhibits.discrepancies],
    ["US residents referred", stats.referrals.subjectsIdentified],
  ];
  $("totals").replaceChildren(...cards.map(([label, value]) =>
    el("div", { class: "card" }, el("div", { class: "value" }, String(value)), el("div", { class: "label" }, label))));

  const substances = Object.entries(stats.seizuresGrams);
  chart("seizures", {
    type: "bar",
    data: { labels: substances.map(([s]) => s), datasets: [{ label: "kg", data: substances.map(([, g]) => g / 1000) }] },
    options: { plugins: { legend: { display: false } } },
  });
  const kinds = Object.entries(stats.sentences);
  chart("sentences", { type: "doughnut", data: { labels: kinds.map(([k]) => k), datasets: [{ data: kinds.map(([, n]) => n) }] } });
  const months = Object.entries(stats.arrestsByMonth).sort(([a], [b]) => a.localeCompare(b));
  chart("arrests", {
    type: "bar",
    data: { labels: months.map(([m]) => m), datasets: [{ label: "arrests", data: months.map(([, n]) => n) }] },
    options: { plugins: { legend: { display: false } } },
  });
  const r = stats.referrals;
  chart("funnel", {
    type: "bar",
    data: {
      labels: ["Subjects identified", "Investigations", "Arrests", "Indictments"],
      datasets: [{ data: [r.subjectsIdentified, r.investigationsOpened, r.arrests, r.indictments] }],
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } } },
  });
  const x = stats.exhibits;
  chart("exhibits", {
    type: "bar",
    data: { labels: ["In custody", "At the laboratory", "In court", "Disposed of"], datasets: [{ data: [x.inCustody, x.atLab, x.inCourt, x.disposed] }] },
    options: { plugins: { legend: { display: false } } },
  });
}

function showCases(page) {
  $("case-rows").replaceChildren(...page.items.map((c) => {
    const row = el("tr", { "data-case": c.caseId },
      el("td", {}, c.reference), el("td", {}, c.title), el("td", {}, c.status),
      el("td", {}, c.leadAgency), el("td", {}, when(c.lastOccurredAt)), el("td", {}, String(c.version)));
    row.addEventListener("click", () => showTimeline(c, row));
    return row;
  }));
}

// Every kind of event alike, as the case file's timeline does: each field that holds something, by
// name, ids left out (the entries they name have lines of their own). A new kind of fact needs nothing here.
const words = (name) => name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
const isId = (text) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
const isTime = (text) => /^\d{4}-\d{2}-\d{2}T/.test(text);

function value(v) {
  if (Array.isArray(v)) return v.map(value).join(", ");
  if (typeof v === "string") return isTime(v) ? when(v) : v;
  if (typeof v === "number") return number.format(v);
  return JSON.stringify(v);
}

function describe(e) {
  return Object.entries(e.data ?? {})
    .filter(([, v]) => v !== null && v !== "" && !(Array.isArray(v) && v.length === 0) && !(typeof v === "string" && isId(v)))
    .map(([key, v]) => `${words(key)}: ${value(v)}`)
    .join("; ");
}

async function showTimeline(summary, row) {
  document.querySelectorAll("#case-rows tr").forEach((r) => r.classList.toggle("selected", r === row));
  $("timeline").hidden = false;
  $("timeline-title").textContent = `Timeline of ${summary.reference}`;
  let events;
  try {
    events = await api(`/api/cases/${summary.caseId}/events?limit=1000`);
  } catch (error) {
    $("by-occurred").replaceChildren();
    $("by-recorded").replaceChildren();
    say(error.status === 403 ? "The event history is for auditors: sign in with an auditor token to see the timeline." : error.message);
    return;
  }

  say("");
  // A retraction names the version of the entry it withdraws.
  const retracted = new Set(events.filter((e) => e.type === "EntryRetracted").map((e) => e.data.entryVersion));
  const item = (e, clock) => {
    const text = [el("time", { datetime: e[clock] }, when(e[clock])), el("span", { class: "type" }, e.type), describe(e)];
    const gone = retracted.has(e.version);
    return el("li", { class: gone ? "retracted" : "", "data-version": String(e.version) }, gone ? el("del", {}, ...text) : el("span", {}, ...text));
  };
  const instant = (iso) => (iso ? Date.parse(iso) : 0);
  const sorted = (clock) => [...events].sort((a, b) => instant(a[clock]) - instant(b[clock]) || a.version - b.version);
  $("by-occurred").replaceChildren(...sorted("occurredAt").map((e) => item(e, "occurredAt")));
  $("by-recorded").replaceChildren(...sorted("recordedAt").map((e) => item(e, "recordedAt")));
}

async function searchPeople(name) {
  const found = await api(`/api/defendants?name=${encodeURIComponent(name)}&pageSize=50`);
  $("person").hidden = true;
  $("person-rows").replaceChildren(...found.items.map((p) => {
    const row = el("tr", { "data-person": p.defendantId },
      el("td", {}, p.names.join(", ")), el("td", {}, p.aliases.join(", ")), el("td", {}, p.status), el("td", {}, String(p.cases)));
    row.addEventListener("click", () => showPerson(p.defendantId, row).catch((error) => say(error.message)));
    return row;
  }));
  say(found.items.length ? "" : `Nobody found for "${name}".`);
}

// One person across cases: the people merged into them, and who else may be the same person.
async function showPerson(id, row) {
  document.querySelectorAll("#person-rows tr").forEach((r) => r.classList.toggle("selected", r === row));
  const [profile, duplicates] = await Promise.all([api(`/api/defendants/${id}`), api(`/api/defendants/${id}/possible-duplicates`)]);
  const facts = [
    ["Id", profile.defendantId], ["Aliases", profile.aliases.join(", ") || "none"], ["Nationality", profile.nationality ?? "not recorded"],
    ["Status", profile.status], ["Cases", profile.cases.length], ["Arrests", profile.arrests.length], ["Sentences", profile.sentences.length],
  ];
  $("person-title").textContent = profile.names.join(" / ");
  $("person-facts").replaceChildren(...facts.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, String(value))]));
  const none = (text) => [el("li", { class: "none" }, text)];
  $("merged-ids").replaceChildren(...(profile.mergedIds.length ? profile.mergedIds.map((m) => el("li", {}, el("code", {}, m))) : none("nobody")));
  $("duplicates").replaceChildren(...(duplicates.candidates.length
    ? duplicates.candidates.map((c) => el("li", { "data-person": c.defendantId },
      el("strong", {}, c.name), el("span", { class: "score" }, `${Math.round(c.score * 100)}%`), c.reasons.join("; ")))
    : none("no likely duplicates")));
  $("person").hidden = false;
}

async function load() {
  if (!token) {
    say("Sign in with an analyst or auditor token.");
    return;
  }

  const who = claims(token);
  $("who").textContent = who.sub ? `${who.sub} (${who.role}${who.agency ? `, ${who.agency}` : ""})` : "";
  try {
    const [stats, cases] = await Promise.all([api("/api/stats"), api("/api/cases?pageSize=200")]);
    say("");
    ["totals", "charts", "cases", "people"].forEach((id) => { $(id).hidden = false; });
    showTotals(stats);
    showCases(cases);
    document.body.dataset.loaded = "true";
  } catch (error) {
    say(error.status === 401 ? "That token was not accepted (expired or not for this server)." : error.message);
  }
}

$("sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  sessionStorage.setItem("casetracker-token", token);
  $("timeline").hidden = true;
  $("person").hidden = true;
  load();
});

$("people-search").addEventListener("submit", (event) => {
  event.preventDefault();
  searchPeople($("person-name").value.trim()).catch((error) => say(error.message));
});

window.addEventListener("load", load);
