// The run's main curves as one PNG, drawn by Chart.js (as in the browser) on a Node canvas.

import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import type { ChartSpec } from '../lab/charts';

Chart.register(...registerables);

const W = 560;
const H = 320;

/** Render chart specs in a grid (2 columns) and return PNG bytes. */
export function renderChartsPng(specs: readonly ChartSpec[], title: string): Uint8Array {
  const cols = 2;
  const rows = Math.ceil(specs.length / cols);
  const top = 40;
  const sheet = createCanvas(cols * W, top + rows * H);
  const ctx = sheet.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, sheet.width, sheet.height);
  ctx.fillStyle = '#111111';
  ctx.font = 'bold 20px sans-serif';
  ctx.fillText(title, 16, 28);
  specs.forEach((spec, i) => {
    const canvas = createCanvas(W, H);
    const config: ChartConfiguration<'line'> = {
      type: 'line',
      data: {
        datasets: spec.series.map((s) => ({
          label: s.label,
          data: s.points,
          borderColor: s.color,
          backgroundColor: s.color,
          borderDash: s.dashed ? [6, 4] : [],
          pointRadius: s.points.length < 30 ? 2 : 0,
          borderWidth: 2,
          tension: 0.2,
        })),
      },
      options: {
        responsive: false,
        animation: false,
        parsing: false,
        plugins: {
          title: { display: true, text: spec.title },
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
        },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'RL step' } },
          y: { title: { display: true, text: spec.yLabel }, min: spec.yMin, max: spec.yMax },
        },
      },
      plugins: [
        {
          id: 'white-background',
          beforeDraw: (chart) => {
            chart.ctx.save();
            chart.ctx.fillStyle = '#ffffff';
            chart.ctx.fillRect(0, 0, chart.width, chart.height);
            chart.ctx.restore();
          },
        },
      ],
    };
    const chart = new Chart(canvas as unknown as HTMLCanvasElement, config);
    ctx.drawImage(canvas, (i % cols) * W, top + Math.floor(i / cols) * H);
    chart.destroy();
  });
  return new Uint8Array(sheet.toBuffer('image/png'));
}
