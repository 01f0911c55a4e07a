import { initHeader } from "../ui.js";
initHeader();
