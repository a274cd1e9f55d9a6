/**
 * A small picture of each scene template for the new-job form, painted by the same procedural
 * backdrop the local provider composes results on, so the preview is the scene itself rather
 * than a description of it. Painted once per process and sent inline (a few KB each).
 */
import sharp from "sharp";

import { renderBackdrop } from "../ai/scene/backdrop.server.ts";
import { SCENE_TEMPLATES } from "../ai/scene/templates.ts";

export interface SceneTemplateCard {
  id: string;
  name: string;
  description: string;
  /** Its shelf in the template library (SCENE_VERTICALS). */
  vertical: string;
  /** A data: URL of the backdrop, 4:3. */
  preview: string;
}

const PREVIEW_WIDTH = 240;
const PREVIEW_HEIGHT = 180;

let painted: Promise<SceneTemplateCard[]> | undefined;

async function paint(): Promise<SceneTemplateCard[]> {
  return Promise.all(
    SCENE_TEMPLATES.map(async (template) => {
      const raster = await renderBackdrop(template.backdrop, PREVIEW_WIDTH, PREVIEW_HEIGHT, 1);
      const webp = await sharp(raster.data, {
        raw: { width: raster.width, height: raster.height, channels: raster.channels },
      })
        .webp({ quality: 70 })
        .toBuffer();
      return {
        id: template.id,
        name: template.name,
        description: template.description,
        vertical: template.vertical,
        preview: `data:image/webp;base64,${webp.toString("base64")}`,
      };
    }),
  );
}

export function sceneTemplateCards(): Promise<SceneTemplateCard[]> {
  painted ??= paint().catch((error: unknown) => {
    painted = undefined;
    throw error;
  });
  return painted;
}
