/** Entry of the field app: the shell element does the rest (src/app/roadcam-app.ts). */
import './app/page.css';
import './app/roadcam-app';
