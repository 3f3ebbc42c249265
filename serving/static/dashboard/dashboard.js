// The Selzee Analytics dashboard: signs in with an API key (kept in this tab's sessionStorage
// only), asks the API's endpoints for the chosen chatbot and timeframe, and fills the page.
// No build step; Chart.js is vendored (serving/static/vendor/README.md).
"use strict";

const STATS = "/api/dashboard/analytics/stats";
const KEY = "selzee.apiKey";
const CHOICE = "selzee.choice";
const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const CHARTS = [
  { field: "total_users", title: "Visitors" },
  { field: "total_conversations", title: "Conversations" },
  { field: "orders", title: "Orders" },
  { field: "total_revenue_purchased", title: "Revenue (EUR)" },
];
const LINKS_SHOWN = 5;

const $ = (id) => document.getElementById(id);
let charts = [];
let loading = 0;

class SignedOut extends Error {}

function apiKey() {
  return sessionStorage.getItem(KEY);
}

async function api(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const response = await fetch(url, { headers: { "X-API-Key": apiKey() } });
  if (response.status === 401) throw new SignedOut("That API key was not accepted.");
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof body.detail === "string" ? body.detail : response.statusText;
    throw new Error(`${path}: ${response.status} ${detail}`);
  }
  return { body, dataAsOf: response.headers.get("X-Data-As-Of") };
}

function takeKeyFromFragment() {
  // `analytics demo` prints the dashboard's URL with #key=...: the fragment never reaches a
  // server or its logs. It is removed from the address bar at once.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("key")) {
    sessionStorage.setItem(KEY, fragment.get("key"));
    history.replaceState(null, "", location.pathname + location.search);
  }
}

function say(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

function showSignIn(message = "") {
  sessionStorage.removeItem(KEY);
  $("main").hidden = true;
  $("choice").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = message;
  say("");
  $("api-key").focus();
}

async function showDashboard() {
  const { body: chatbots } = await api("/api/dashboard/chatbots");
  const select = $("chatbot");
  select.replaceChildren(
    ...chatbots.map((bot) => {
      const option = new Option(bot.name || bot.chatbot_id, bot.chatbot_id);
      option.title = bot.chatbot_id;
      if (bot.ab_test_enabled) option.textContent += " · A/B test";
      return option;
    }),
  );
  const saved = JSON.parse(sessionStorage.getItem(CHOICE) || "{}");
  if (chatbots.some((bot) => bot.chatbot_id === saved.chatbot)) select.value = saved.chatbot;
  if (saved.timeframe) $("timeframe").value = saved.timeframe;
  $("sign-in").hidden = true;
  $("choice").hidden = false;
  if (chatbots.length === 0) {
    say("This account has no chatbots yet.");
    return;
  }
  $("main").hidden = false;
  await refresh();
}

function valueAt(answers, path) {
  return path.split(".").reduce((value, part) => (value == null ? undefined : value[part]), answers);
}

function formatted(value, unit) {
  if (value === undefined || value === null) return "–";
  const text = typeof value === "number" ? NUMBER.format(value) : String(value);
  return unit ? `${text}${unit}` : text;
}

function fillFields(answers) {
  for (const element of document.querySelectorAll("[data-field]")) {
    element.textContent = formatted(valueAt(answers, element.dataset.field), element.dataset.unit);
  }
}

function cell(text, tag = "td") {
  const element = document.createElement(tag);
  element.textContent = text;
  if (tag === "th") element.scope = "row";
  return element;
}

function fillPopups(metrics) {
  const rows = metrics.map((metric) => {
    const row = document.createElement("tr");
    row.append(
      cell(metric.popup_version, "th"),
      cell(formatted(metric.popup_displayed_count)),
      cell(formatted(metric.popup_opened_count)),
      cell(formatted(metric.open_rate, "%")),
    );
    return row;
  });
  if (rows.length === 0) {
    const row = document.createElement("tr");
    const empty = cell("No popup was shown in this timeframe.");
    empty.colSpan = 4;
    row.append(empty);
    rows.push(row);
  }
  $("popup-versions").replaceChildren(...rows);
}

function rankedItem(entry) {
  const item = document.createElement("li");
  const name = document.createElement("span");
  name.className = "item";
  name.textContent = entry.item;
  item.append(name, ` — ${formatted(entry.count)} `);
  const links = entry.conversations.filter((link) => /^https?:\/\//.test(link)).slice(0, LINKS_SHOWN);
  links.forEach((link, index) => {
    const anchor = document.createElement("a");
    anchor.href = link;
    anchor.textContent = `#${index + 1}`;
    anchor.setAttribute("aria-label", `conversation ${index + 1} about ${entry.item}`);
    anchor.rel = "noopener";
    anchor.target = "_blank";
    item.append(" ", anchor);
  });
  return item;
}

function fillLists(insights) {
  for (const section of document.querySelectorAll("[data-list]")) {
    const entries = insights[section.dataset.list] || [];
    const items = entries.map(rankedItem);
    if (items.length === 0) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "Nothing in this timeframe.";
      items.push(empty);
    }
    section.querySelector("ol").replaceChildren(...items);
  }
}

function dataTable(title, days, field) {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = `${title}: as a table`;
  const table = document.createElement("table");
  const head = document.createElement("tr");
  head.append(cell("Date", "th"), cell(title, "th"));
  head.querySelectorAll("th").forEach((th) => (th.scope = "col"));
  table.append(head, ...days.map((day) => {
    const row = document.createElement("tr");
    row.append(cell(day.date, "th"), cell(formatted(day[field])));
    return row;
  }));
  details.append(summary, table);
  return details;
}

function drawCharts(days) {
  charts.forEach((chart) => chart.destroy());
  charts = [];
  const labels = days.map((day) => day.date);
  $("charts").replaceChildren(
    ...CHARTS.map(({ field, title }) => {
      const figure = document.createElement("figure");
      figure.className = "chart";
      figure.dataset.chart = field;
      const caption = document.createElement("h3");
      caption.textContent = title;
      const holder = document.createElement("div");
      holder.className = "canvas";
      const canvas = document.createElement("canvas");
      const values = days.map((day) => day[field]);
      const total = values.reduce((sum, value) => sum + value, 0);
      canvas.setAttribute("role", "img");
      canvas.setAttribute(
        "aria-label",
        `${title} per day from ${labels[0]} to ${labels[labels.length - 1]}: ` +
          `total ${formatted(total)}, highest ${formatted(Math.max(0, ...values))}`,
      );
      holder.append(canvas);
      figure.append(caption, holder, dataTable(title, days, field));
      if (window.Chart) {
        charts.push(
          new window.Chart(canvas, {
            type: "line",
            data: { labels, datasets: [{ label: title, data: values, borderColor: "#1f5f8b", pointRadius: days.length > 60 ? 0 : 2, tension: 0.2 }] },
            options: {
              animation: false,
              maintainAspectRatio: false,
              plugins: { legend: { display: false } },
              scales: { y: { beginAtZero: true }, x: { ticks: { maxTicksLimit: 8 } } },
            },
          }),
        );
      }
      return figure;
    }),
  );
}

function showFreshness(asOf) {
  // X-Data-As-Of: the newest record the marts reflect for this chatbot.
  if (!asOf) {
    $("freshness").textContent = "no records yet";
    return;
  }
  const time = document.createElement("time");
  time.dateTime = asOf;
  time.textContent = asOf.replace("T", " ").replace("Z", " UTC");
  $("freshness").replaceChildren("data as of ", time);
}

async function refresh() {
  const chatbot = $("chatbot").value;
  const timeframe = $("timeframe").value;
  sessionStorage.setItem(CHOICE, JSON.stringify({ chatbot, timeframe }));
  const params = { chatbot_id: chatbot, timeframe };
  const ticket = ++loading;
  say("Loading…");
  $("main").setAttribute("aria-busy", "true");
  try {
    const names = ["overview", "engagement", "popup-metrics", "purchases", "daily", "conversation-insights"];
    const results = await Promise.all(names.map((name) => api(`${STATS}/${name}`, params)));
    if (ticket !== loading) return; // a newer choice is loading
    const answers = Object.fromEntries(names.map((name, i) => [name.replace("-", "_"), results[i].body]));
    fillFields(answers);
    fillPopups(answers.popup_metrics.metrics);
    fillLists(answers.conversation_insights);
    $("ab-test").hidden = !answers.purchases.ab_test;
    drawCharts(answers.daily.days);
    showFreshness(results[0].dataAsOf);
    say(`Showing ${$("chatbot").selectedOptions[0].textContent}, last ${timeframe} days.`);
    document.body.dataset.loaded = `${chatbot}|${timeframe}`;
  } catch (error) {
    if (ticket !== loading) return;
    if (error instanceof SignedOut) showSignIn(error.message);
    else say(`Could not load the reports: ${error.message}`, true);
  } finally {
    if (ticket === loading) $("main").removeAttribute("aria-busy");
  }
}

async function start() {
  takeKeyFromFragment();
  $("sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("api-key").value.trim());
    $("api-key").value = "";
    try {
      await showDashboard();
    } catch (error) {
      showSignIn(error instanceof SignedOut ? error.message : `Could not sign in: ${error.message}`);
    }
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(CHOICE);
    showSignIn("Signed out.");
  });
  $("chatbot").addEventListener("change", refresh);
  $("timeframe").addEventListener("change", refresh);
  if (!apiKey()) {
    showSignIn();
    return;
  }
  try {
    await showDashboard();
  } catch (error) {
    showSignIn(error instanceof SignedOut ? error.message : `Could not sign in: ${error.message}`);
  }
}

document.addEventListener("DOMContentLoaded", start);
