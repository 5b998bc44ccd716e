export { createEyeModule } from './module';
