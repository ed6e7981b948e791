import { EmptyState, PageTitle } from '../../app/components/index.ts';

export default function Page() {
  return (
    <section>
      <PageTitle title="Designs">Designs</PageTitle>
      <EmptyState>This page is being built.</EmptyState>
    </section>
  );
}
