/**
 * Entry of the office pages (office.html), served by the sync server at /office: its own small
 * shell, apart from the field app (no service worker, no model, no IndexedDB). See
 * docs/REVIEW.md.
 */
import '../app/page.css';
import './office-app';
