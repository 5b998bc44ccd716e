export { createEventpostModule } from './module';
