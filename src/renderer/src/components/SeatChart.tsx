import { Area, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount } from '../lib/format';
import { dayTick, type AppChart } from '../lib/seat-chart';

/** Billed roles in strong colours, free roles in greys: both readable on the light and the dark surface. */
const BILLED = ['#3f6fd8', '#1f9d8a', '#8a5cd6', '#c0762a', '#2f8fbf', '#b0508f'];
const FREE = ['#8c96a3', '#a7b0bb', '#6f7984'];
const IDLE = '#e5484d';
const PURCHASED = '#d98e04';

/**
 * One app's seats over time (the data comes shaped from lib/seat-chart): active seats stacked by
 * role, billed roles solid and free ones grey, the seats purchased as a dashed step line, and the
 * idle seats (held by people who left) as a red line. Draws only.
 */
export function SeatChart({ chart, days }: { chart: AppChart; days: number }) {
  let billed = 0;
  let free = 0;
  const withYear = days > 200;
  return (
    <div className="seat-chart__plot" role="img" aria-label={chartLabel(chart)}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={chart.rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="day"
            interval="preserveStartEnd"
            tickFormatter={(d: string) => dayTick(d, withYear)}
            minTickGap={24}
            tick={{ fontSize: 12 }}
          />
          <YAxis allowDecimals={false} width={44} tick={{ fontSize: 12 }} />
          <Tooltip
            labelFormatter={(d) => `${String(d)} (UTC)`}
            formatter={(value) => formatCount(typeof value === 'number' ? value : Number(value))}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {chart.roles.map((r) => {
            const color = r.billed ? BILLED[billed++ % BILLED.length]! : FREE[free++ % FREE.length]!;
            return (
              <Area
                key={r.key}
                type="stepAfter"
                dataKey={r.key}
                name={`${r.name} (${r.billed ? 'billed' : 'free'})`}
                stackId="active"
                stroke={color}
                fill={color}
                fillOpacity={r.billed ? 0.55 : 0.3}
                isAnimationActive={false}
              />
            );
          })}
          {chart.purchased !== null ? (
            <Line
              type="stepAfter"
              dataKey="purchased"
              name="Purchased"
              stroke={PURCHASED}
              strokeDasharray="6 4"
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
          ) : null}
          <Line type="stepAfter" dataKey="idle" name="Idle (left)" stroke={IDLE} strokeWidth={2} dot={false} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

function chartLabel(c: AppChart): string {
  const parts = [`${c.app}: ${formatCount(c.latest.active)} active seats today`, `${formatCount(c.latest.billed)} billed`];
  parts.push(`${formatCount(c.latest.free)} free`, `${formatCount(c.latest.idle)} idle`);
  if (c.purchased !== null) parts.push(`${formatCount(c.purchased)} purchased`);
  return `${parts.join(', ')}. Roles: ${c.roles.map((r) => r.name).join(', ')}.`;
}
