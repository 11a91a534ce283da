// www/evaluate.html: the workbench, full page.
import { mountWorkbench } from './mount.js';

mountWorkbench(document.getElementById('workbench'));
