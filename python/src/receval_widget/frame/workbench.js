// Hosts the workbench in the notebook widget's iframe: the widget calls recevalMount({ name, text })
// with the DataFrame's CSV text once this page has loaded.
import { mountWorkbench } from '../js/workbench/mount.js';

window.recevalMount = (file) => mountWorkbench(document.getElementById('workbench'), { file });
window.dispatchEvent(new Event('receval-frame-ready'));
