/**
 * Entry of the field app. Opened as the installed app (the service worker serves it), the
 * engineer is here to take a photo and waits for the model: the analysis worker starts now,
 * before the shell's code is fetched and run. A first visit starts it once the page has loaded
 * instead (roadcam-app.ts), so that it does not compete with the first render. Then the shell,
 * which does the rest (src/app/roadcam-app.ts).
 */
import './app/page.css';
import { startAnalysisEarly } from './app/services/analysis-client';

if (navigator.serviceWorker?.controller) startAnalysisEarly(location);
void import('./app/roadcam-app');
