export { createSantaModule } from './module';
