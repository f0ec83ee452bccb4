/** Entry of the office's pages (office.html, served by the sync server): the shell routes. */
import '../app/page.css';
import './office-app';
