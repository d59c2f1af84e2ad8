// The score-over-time chart, drawn by Apache ECharts (served as echarts.min.js, no build step)
// from GET /v1/leads/{leadId}/history: the engine's sampled score line (the decay between events
// included), one dot per event, and the thresholds and segment bands as dashed lines. Tooltips
// are DOM nodes built with textContent.
import { el, score, signed } from './dom.js';

const COLORS = { line: '#0b5cad', events: '#8a1c00', threshold: '#5b2a86', band: '#4a5360' };
let chart;
let observer;

/** The dashed lines: one per value, naming every threshold and band that sits on it. */
function guideLines(history) {
  const byValue = new Map();
  for (const t of history.thresholds ?? []) {
    const entry = byValue.get(t.score) ?? { names: [], threshold: false };
    entry.names.push(`${t.name} ${t.score}`);
    entry.threshold = true;
    byValue.set(t.score, entry);
  }
  for (const b of history.bands ?? []) {
    const entry = byValue.get(b.min) ?? { names: [], threshold: false };
    entry.names.push(`${b.name} ≥ ${b.min}`);
    byValue.set(b.min, entry);
  }
  return [...byValue.entries()].map(([value, entry]) => ({
    yAxis: value,
    name: entry.names.join(' · '),
    lineStyle: { color: entry.threshold ? COLORS.threshold : COLORS.band, type: 'dashed', width: 1 },
    label: { formatter: entry.names.join(' · '), position: 'insideEndTop', color: '#1b1f24' },
  }));
}

function tooltipOf(params) {
  const box = el('div', undefined, 'chart-tip');
  const marker = params.data?.marker;
  const at = new Date(params.value[0]);
  box.append(el('strong', marker ? marker.type : `score ${score(params.value[1])}`));
  box.append(el('div', at.toLocaleString()));
  if (marker) {
    box.append(el('div', `score ${score(marker.scoreBefore)} → ${score(marker.scoreAfter)}`));
    for (const rule of marker.rules) box.append(el('div', `${rule.ruleId} ${signed(rule.points)}`));
    if (marker.crossed.length > 0) box.append(el('div', `crossed ${marker.crossed.join(', ')}`));
  }
  return box;
}

/** Draws (or redraws) the chart of a lead's history into `container`. */
export function drawScoreChart(container, history) {
  if (typeof echarts === 'undefined') throw new Error('The chart library did not load.');
  chart?.dispose();
  chart = echarts.init(container, null, { renderer: 'svg' });
  const events = history.markers.filter((m) => !m.spam);
  chart.setOption({
    aria: {
      enabled: true,
      label: {
        description: `Score of the lead over time: ${history.points.length} points, ${events.length} events.`,
      },
    },
    animation: false,
    color: [COLORS.line, COLORS.events],
    grid: { left: 44, right: 18, top: 28, bottom: 64, containLabel: true },
    legend: { bottom: 0, data: ['Score', 'Events'] },
    tooltip: { trigger: 'item', formatter: tooltipOf, confine: true },
    dataZoom: [{ type: 'inside' }],
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: 'score', scale: false },
    series: [
      {
        name: 'Score',
        type: 'line',
        showSymbol: false,
        data: history.points.map((p) => [Date.parse(p.at), p.score]),
        lineStyle: { width: 2 },
        markLine: { symbol: 'none', silent: true, data: guideLines(history) },
      },
      {
        name: 'Events',
        type: 'scatter',
        symbolSize: 9,
        data: events.map((m) => ({ value: [Date.parse(m.at), m.scoreAfter], marker: m })),
      },
    ],
  });
  observer?.disconnect();
  observer = new ResizeObserver(() => chart?.resize());
  observer.observe(container);
}
