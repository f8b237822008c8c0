// The dashboard page's script: each section loads by itself, so one failing leaves the others working.
import { showFields } from './fields.ts';
import { showMap } from './map.ts';
import { showRecommendations } from './recommend.ts';

void showMap();
showFields();
showRecommendations();
