import type { DeploymentReport } from '../report';
import { deploymentClock } from './clock';
import { esc } from './html';
import { functionSection, header, summaryTable } from './page';
import { STYLE } from './styles';

/**
 * Renders a rehearsed deployment's report as one self-contained HTML page (report.html next to report.json):
 * inline CSS and SVG, no script and nothing fetched, so it opens the same from disk or as a CI artifact.
 * Every text from the report is escaped: reasons and hook evidence quote whatever the functions said.
 */
export function renderReportHtml(report: DeploymentReport): string {
  const clock = deploymentClock(report);
  const deployed = report.functions.filter((fn) => fn.outcome !== 'Unchanged' && fn.targetVersion !== undefined);
  const sections = deployed.length
    ? deployed.map((fn) => functionSection(fn, report.traffic, clock)).join('\n')
    : '<p class="muted">No function had a new version, so no traffic was shifted.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Deployment ${esc(report.id)}: ${esc(report.outcome)}</title>
<style>${STYLE}</style>
</head>
<body>
${header(report, clock)}
${summaryTable(report.functions)}
${sections}
</body>
</html>
`;
}
